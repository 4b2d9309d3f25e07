import { UserId } from "@chat/types";
import * as v from "valibot";
import { IntegrationSettings } from "./integrations/settings";

// Side-effect free: infra/ and the local stack import it to build the `Settings` resource handlers read.

const PositiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * Whether keys may be fetched from this URL: https, or http on loopback only (the local stack's development issuer).
 */
export const isTrustedKeyUrl = (url: string): boolean => {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return (
    protocol === "https:" || (protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname))
  );
};

/**
 * How callers prove who they are: not at all, or with a JWT from one issuer (API Gateway's JWT authorizer). The
 * signing keys are found as API Gateway finds them: the issuer's OIDC discovery document names its `jwks_uri`.
 */
export const AuthSettings = v.variant("mode", [
  v.object({ mode: v.literal("none") }),
  v.object({
    mode: v.literal("jwt"),
    /** The `iss` every token must carry: an https URL (http on loopback for the local stack). */
    issuer: v.pipe(v.string(), v.url(), v.check(isTrustedKeyUrl, "The issuer must be an https URL")),
    /**
     * The audiences a token may be for (API Gateway's `audiences`): its `aud` must name one, or, without `aud`, its
     * `client_id` must be one (Cognito access tokens).
     */
    audiences: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  }),
]);
export type AuthSettings = v.InferOutput<typeof AuthSettings>;

/**
 * The stage admins from a comma-separated list of user ids (`CHAT_ADMINS`, for `pnpm dev` and deploys); throws
 * naming the first entry that is not a user id.
 */
export const parseAdmins = (list: string | undefined): string[] => {
  const admins = (list ?? "")
    .split(",")
    .map((userId) => userId.trim())
    .filter(Boolean);
  for (const userId of admins) {
    if (!v.is(UserId, userId)) {
      throw new Error(`CHAT_ADMINS: "${userId}" is not a user id (1 to 128 of A-Z, a-z, 0-9, _ . : @ and -)`);
    }
  }
  return admins;
};

/** Per-stage settings of the handlers, linked to them as the SST resource `Settings`. */
export const Settings = v.object({
  auth: AuthSettings,
  /** Stage admins: user ids that act as owner in every room (as does a token with the `chat_admin: true` claim). */
  admins: v.optional(v.array(UserId), []),
  limits: v.object({
    /** Messages one user may send per minute (REST and WebSocket together). */
    sendsPerMinute: PositiveInteger,
    /** Frames one user may send per minute, on all their connections together (a reconnect does not reset it). */
    framesPerMinute: PositiveInteger,
    /** `subscribe` and `unsubscribe` frames one user may send per minute (each may be announced to a room). */
    subscriptionsPerMinute: PositiveInteger,
    /** Open connections one user may have at once. */
    connectionsPerUser: PositiveInteger,
    /**
     * How long a user's departure from a room waits before it is announced: coming back within it (a reconnect, a
     * re-subscribe) announces nothing, and a leave waits at least 5 times this after the join it follows, so
     * flapping a subscription cannot flood a room with presence frames. At most 2 s: 5 times it must fit in the
     * socket functions' timeout.
     */
    presenceSettleMs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2_000)),
    /**
     * A room with more subscribed connections than this is fanned out by parallel fan-out workers, this many
     * connections each (see `fan-out/shards.ts`); smaller rooms are posted by the broadcaster itself.
     */
    fanOutShardSize: v.optional(v.pipe(PositiveInteger, v.maxValue(10_000)), 2_000),
  }),
  /** Webhooks, the moderation hook and Web Push (see `integrations/settings.ts`); all off by default. */
  integrations: v.optional(IntegrationSettings, {}),
});
export type Settings = v.InferOutput<typeof Settings>;

/** What a stage gets unless it says otherwise. */
export const defaultSettings: Settings = {
  auth: { mode: "none" },
  admins: [],
  limits: {
    sendsPerMinute: 60,
    framesPerMinute: 120,
    subscriptionsPerMinute: 60,
    connectionsPerUser: 10,
    presenceSettleMs: 2_000,
    fanOutShardSize: 2_000,
  },
  integrations: { webhooks: [] },
};
