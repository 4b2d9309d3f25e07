import { ErrorResponse, GetRoomResponse, RoomResponse } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "./stack";

// The rooms routes on a stage that requires tokens: the caller is the token's subject, never a header.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, tableName: "chat-rooms-jwt", auth: "jwt" });
});

afterAll(async () => {
  await stack?.stop();
});

const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const response = await fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
};

const bearer = async (userId: string) => ({ authorization: `Bearer ${await stack.issuer.mint(userId)}` });

describe("rooms with auth jwt", () => {
  it("takes the caller from the token, not from x-user-id", async () => {
    const roomId = `jwt-${Date.now().toString(36)}`;

    const created = await call(
      "POST",
      "/rooms",
      { ...(await bearer("alice")), "x-user-id": "mallory" },
      {
        roomId,
        kind: "private",
      },
    );
    const asAlice = await call("GET", `/rooms/${roomId}`, await bearer("alice"));
    const asMallory = await call("GET", `/rooms/${roomId}`, {
      ...(await bearer("mallory")),
      "x-user-id": "alice",
    });

    expect(created.status).toBe(201);
    expect(v.parse(RoomResponse, created.body).room.createdBy).toBe("alice");
    expect(v.parse(GetRoomResponse, asAlice.body).role).toBe("owner");
    expect([asMallory.status, v.parse(ErrorResponse, asMallory.body).code]).toEqual([403, "forbidden"]);
  });

  it("answers 401 to a request naming its caller by header alone", async () => {
    const answer = await call("GET", "/me/rooms", { "x-user-id": "alice" });

    expect([answer.status, v.parse(ErrorResponse, answer.body).code]).toEqual([401, "unauthorized"]);
  });
});
