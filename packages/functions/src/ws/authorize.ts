import { beforeFirstUse } from "@chat/core/first-use";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { displayName, isAdmin } from "../edge/identity";
import { logger } from "../observability";
import { config } from "../runtime-config";
import { createTokenVerifier } from "../token";

// The issuer's keys are discovered once per container and cached by jose (refetched when a token names an unknown
// key).
let verify: ReturnType<typeof createTokenVerifier> | undefined;

/**
 * The `$connect` authorizer: verifies the `?token=` JWT exactly as the HTTP API's JWT authorizer does (issuer,
 * `aud` or else `client_id`, expiry, not-before, issue time, the RSA signature of the key its `kid` names in the
 * issuer's discovery document's `jwks_uri`; `sub` required too), with the same code as the local HTTP API, and hands
 * the caller on to every route of the connection: `userId` (the subject), `name` (the `name` claim, else
 * `preferred_username`; absent when neither) and `admin` (the `chat_admin: true` claim or the stage's admins list).
 * API Gateway context values are strings, numbers or booleans.
 * Throwing "Unauthorized" makes API Gateway refuse the handshake with 401.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  await beforeFirstUse(); // the logger
  const { auth } = config.settings;
  if (auth.mode === "none") return allow(event.methodArn, "anonymous", {});
  const token = event.queryStringParameters?.token;
  if (!token) throw new Error("Unauthorized");
  verify ??= createTokenVerifier(auth);
  try {
    const payload = await verify(token);
    const name = displayName(payload.name) ?? displayName(payload.preferred_username);
    return allow(event.methodArn, payload.sub, {
      userId: payload.sub,
      ...(name !== null && { name }),
      admin: isAdmin(payload.sub, payload.chat_admin),
    });
  } catch (error) {
    logger.info(
      { requestId: event.requestContext.requestId, reason: (error as Error).message },
      "token refused",
    );
    throw new Error("Unauthorized");
  }
};

const allow = (
  resource: string,
  principalId: string,
  context: Record<string, string | boolean>,
): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resource }],
  },
  context,
});
