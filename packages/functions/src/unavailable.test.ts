import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { httpEvent, socketEvent } from "../test/events";

// This file's handlers talk to a DynamoDB that is not there: nothing listens on loopback port 9.
beforeAll(() => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = "http://127.0.0.1:9";
});

describe("when DynamoDB cannot be reached", () => {
  it("a send answers 503 unavailable, not 500", async () => {
    const { handler } = await import("./http/send-message");

    const result = (await handler(
      httpEvent({
        routeKey: "POST /rooms/{roomId}/messages",
        path: "/rooms/general/messages",
        pathParameters: { roomId: "general" },
        body: JSON.stringify({ userId: "u1", username: "alice", text: "hi" }),
      }),
    )) as APIGatewayProxyStructuredResultV2;

    expect(result.statusCode).toBe(503);
    expect(result.headers?.["retry-after"]).toBe("1");
    expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "unavailable" });
  });

  it("a handshake is refused with 503", async () => {
    const { handler } = await import("./ws/connect");

    const result = await handler(
      socketEvent("$connect", "c1", { query: { userId: ["u1"], username: ["alice"] } }),
    );

    expect(result).toMatchObject({ statusCode: 503 });
  });
});
