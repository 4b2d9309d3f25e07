import { IntegrationSettings } from "@chat/functions/integrations/settings";
import * as v from "valibot";

/**
 * A stage's integrations, from the deployer's environment (plain data, like `stage-config.ts`):
 * - `CHAT_WEBHOOKS`: a JSON list of `{ url, events, secret }`, `secret` naming the SST secret that holds the
 *   endpoint's `whsec_...` key (`sst secret set <secret> whsec_...`);
 * - `CHAT_MODERATION_URL` or `CHAT_MODERATION_FUNCTION` (a Lambda function ARN), with `CHAT_MODERATION_TIMEOUT_MS`
 *   (default 300, at most 1000) and `CHAT_MODERATION_ON_ERROR` (`allow`, the default, or `reject`);
 * - `CHAT_PUSH_SUBJECT` (a `mailto:` or https URL) turns Web Push on; its VAPID keys are SST secrets.
 * Throws naming what is wrong.
 */
export const integrationsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): IntegrationSettings => {
  const raw: Record<string, unknown> = {};
  if (env.CHAT_WEBHOOKS) {
    try {
      raw.webhooks = JSON.parse(env.CHAT_WEBHOOKS);
    } catch {
      throw new Error("CHAT_WEBHOOKS must be a JSON list of { url, events, secret }");
    }
  }
  if (env.CHAT_MODERATION_URL || env.CHAT_MODERATION_FUNCTION) {
    raw.moderation = {
      ...(env.CHAT_MODERATION_URL && { url: env.CHAT_MODERATION_URL }),
      ...(env.CHAT_MODERATION_FUNCTION && { functionName: env.CHAT_MODERATION_FUNCTION }),
      ...(env.CHAT_MODERATION_TIMEOUT_MS && { timeoutMs: Number(env.CHAT_MODERATION_TIMEOUT_MS) }),
      ...(env.CHAT_MODERATION_ON_ERROR && { onError: env.CHAT_MODERATION_ON_ERROR }),
    };
  }
  if (env.CHAT_PUSH_SUBJECT) raw.push = { subject: env.CHAT_PUSH_SUBJECT };
  const parsed = v.safeParse(IntegrationSettings, raw);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new Error(`Integrations settings: ${v.getDotPath(issue) ?? ""} ${issue.message}`);
  }
  if (
    parsed.output.moderation?.functionName &&
    !parsed.output.moderation.functionName.startsWith("arn:aws:lambda:")
  ) {
    throw new Error("CHAT_MODERATION_FUNCTION must be the function's ARN (it scopes lambda:InvokeFunction)");
  }
  return parsed.output;
};
