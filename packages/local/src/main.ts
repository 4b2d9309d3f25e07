import { parseAdmins } from "@chat/functions/settings";
import { integrationsFromEnvironment } from "./integrations";
import { limitsFromEnvironment } from "./management-limits";
import { PortInUseError, startLocalStack } from "./stack";
import { startWebServer } from "./web-server";

// `pnpm dev`: the whole stack on this machine, until Ctrl-C.
const port = (name: string, fallback: number) => {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    console.error(`${name} must be a port number (0-65535), got "${value}"`);
    process.exit(1);
  }
  return parsed;
};

const auth = process.env.CHAT_AUTH || "none";
if (auth !== "none" && auth !== "jwt") {
  console.error(`CHAT_AUTH must be "none" or "jwt", got "${auth}"`);
  process.exit(1);
}

// Stage admins act as owner in every room.
const admins = (() => {
  try {
    return parseAdmins(process.env.CHAT_ADMINS);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
})();

// The variable that sets each port the stack binds, named when the port is taken.
const portVariables = {
  httpPort: { variable: "CHAT_HTTP_PORT", what: "HTTP API", suggestion: 3100 },
  wsPort: { variable: "CHAT_WS_PORT", what: "WebSocket API", suggestion: 3101 },
} as const;
// Webhooks (CHAT_WEBHOOK_URL + CHAT_WEBHOOK_SECRET), the moderation hook (CHAT_MODERATION_*), Web Push.
const { integrations, secrets } = (() => {
  try {
    return integrationsFromEnvironment(process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
})();

// The management API's throttle: posts per second, burst and latency (unset: unlimited, as before).
const management = (() => {
  try {
    return limitsFromEnvironment();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
})();

const started = performance.now();
const webPort = port("CHAT_WEB_PORT", 5173);
const stack = await startLocalStack({
  httpPort: port(portVariables.httpPort.variable, 3000),
  wsPort: port(portVariables.wsPort.variable, 3001),
  dataDir: process.env.CHAT_DATA_DIR || undefined,
  auth,
  admins,
  integrations,
  secrets,
  management,
  corsOrigins: (process.env.CHAT_CORS_ORIGINS || "*").split(",").map((origin) => origin.trim()),
}).catch((error: unknown) => {
  if (error instanceof PortInUseError) {
    const { variable, what, suggestion } = portVariables[error.option];
    console.error(
      `Could not start the local stack: the ${what} port ${error.port} is in use by another program (another pnpm dev?).\n` +
        `Stop that program, or give the ${what} another port: ${variable}=${suggestion} pnpm dev (0 picks a free one).`,
    );
  } else {
    console.error(
      `Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
});

const web = await startWebServer({
  httpUrl: stack.httpUrl,
  wsUrl: stack.wsUrl,
  port: webPort,
  // The page signs in through the development issuer when the stack requires tokens.
  issuer: auth === "jwt" ? stack.issuer : undefined,
}).catch(async (error: unknown) => {
  console.error(`Could not start the web page: ${error instanceof Error ? error.message : String(error)}`);
  await stack.stop();
  process.exit(1);
});

// Like Vite, the page takes the next free port when its own is taken (CHAT_WEB_PORT sets it).
const webPortNote =
  webPort !== 0 && new URL(web.url).port !== String(webPort)
    ? ` (port ${webPort} is in use; CHAT_WEB_PORT sets another)`
    : "";
console.log(`
  Chat backend is running (${Math.round(performance.now() - started)} ms)

  Web page       ${web.url}${webPortNote}
  API reference  ${web.referenceUrl}
  HTTP API       ${stack.httpUrl}
  WebSocket API  ${stack.wsUrl}/?roomId=general&userId=u1&username=alice
  DynamoDB       ${stack.dynamoEndpoint} (${process.env.CHAT_DATA_DIR ? `data in ${process.env.CHAT_DATA_DIR}` : "in memory"})
  Admins         ${admins.length > 0 ? admins.join(", ") : "none (CHAT_ADMINS=a,b to name some)"}
  Webhooks       ${integrations.webhooks[0]?.url ?? "none (CHAT_WEBHOOK_URL + CHAT_WEBHOOK_SECRET=whsec_...)"}
  Moderation     ${integrations.moderation?.url ?? "none (CHAT_MODERATION_URL)"}
  Auth           ${auth === "jwt" ? `JWT from ${stack.issuer.issuer} (a token: pnpm mint-token <userId>)` : "none (CHAT_AUTH=jwt to require tokens)"}

  Try:  curl -s ${stack.httpUrl}/health
  Stop: Ctrl-C
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  await web.stop();
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
