import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { logger } from "../observability";
import { config } from "../runtime-config";

// Keys are fetched once per container and cached by jose (refetched when a token names an unknown key).
let keys: ReturnType<typeof createRemoteJWKSet> | undefined;

/**
 * The `$connect` authorizer: verifies the `?token=` JWT exactly as the HTTP API's JWT authorizer does (issuer,
 * audience, expiry, RS256 signature by the issuer's keys) and hands its subject to the handlers as `userId`.
 * Throwing "Unauthorized" makes API Gateway refuse the handshake with 401.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const { auth } = config.settings;
  if (auth.mode === "none") return allow(event.methodArn, "anonymous", {});
  const token = event.queryStringParameters?.token;
  if (!token) throw new Error("Unauthorized");
  keys ??= createRemoteJWKSet(new URL(auth.jwksUrl));
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: auth.issuer,
      audience: auth.audience,
      algorithms: ["RS256"],
    });
    if (!payload.sub) throw new Error("token has no subject");
    return allow(event.methodArn, payload.sub, { userId: payload.sub });
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
  context: Record<string, string>,
): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resource }],
  },
  context,
});
