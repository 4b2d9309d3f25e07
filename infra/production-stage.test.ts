import { describeStagePlan } from "./test/stage-plan-suite";

// One stage per file: each file runs in its own process, and Pulumi's runtime state is global to a process.
// Production requires tokens: the deployer names the identity provider (a made-up one here).
process.env.CHAT_JWT_ISSUER = "https://auth.example.com";
// Two audiences: an API identifier, and a Cognito app client id (its access tokens carry it as `client_id`).
process.env.CHAT_JWT_AUDIENCE = "chat-api, 4mq0cognitoappclient";
// Production names its browser origins; the HTTP API must allow exactly those.
const corsOrigins = ["https://chat.example.com", "https://admin.example.com"];
process.env.CHAT_CORS_ORIGINS = corsOrigins.join(", ");
// Stage admins act as owner in every room: every handler is told who they are.
const admins = ["ops-1", "ops-2@example.com"];
process.env.CHAT_ADMINS = admins.join(", ");
// Production alarms must reach someone: here an address (the stage makes its topic and subscribes it).
process.env.CHAT_ALARM_EMAIL = "oncall@example.com";
describeStagePlan("production", { corsOrigins, admins });
