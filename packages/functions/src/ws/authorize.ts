import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { logger } from "../observability";
import { config } from "../runtime-config";
import { createTokenVerifier } from "../token";

// The issuer's keys are discovered once per container and cached by jose (refetched when a token names an unknown
// key).
let verify: ReturnType<typeof createTokenVerifier> | undefined;

/**
 * The `$connect` authorizer: verifies the `?token=` JWT exactly as the HTTP API's JWT authorizer does (issuer,
 * audience, required expiry and subject, RS256 signature by the keys of the issuer's discovery document) and hands
 * its subject to the handlers as `userId`.
 * Throwing "Unauthorized" makes API Gateway refuse the handshake with 401.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const { auth } = config.settings;
  if (auth.mode === "none") return allow(event.methodArn, "anonymous", {});
  const token = event.queryStringParameters?.token;
  if (!token) throw new Error("Unauthorized");
  verify ??= createTokenVerifier(auth);
  try {
    const payload = await verify(token);
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
