import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { Connection, Member, Message, Room } from "@chat/core";
import { client, documentClient } from "@chat/core/dynamo";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpEvent, socketEvent, uniqueId } from "../test/events";
import { type HandlerModule, type TableAccess, tableAccess } from "./routes";

/**
 * The IAM grants come from `tableAccess` (infra gives each function exactly those): here every handler runs against
 * DynamoDB Local, with the calls it makes recorded at the DynamoDB client, and must stay within its declaration, or
 * it would meet AccessDenied on AWS. IAM itself cannot run here; the calls are the real ones.
 */

type Used = { table: Set<string>; indexes: Set<string> };
let recording: Used | null = null;

// A transaction is authorised item by item (PutItem, UpdateItem...), as IAM does.
const transactionItem: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};

const record = (commandName: string, input: Record<string, unknown>) => {
  if (!recording) return;
  const action = commandName.replace(/Command$/, "");
  if (action === "TransactWriteItems" || action === "TransactGetItems") {
    for (const item of input.TransactItems as Record<string, unknown>[]) {
      for (const kind of Object.keys(item)) recording.table.add(transactionItem[kind] ?? kind);
    }
  } else if (input.IndexName !== undefined) {
    recording.indexes.add(action);
  } else {
    recording.table.add(action);
  }
};

beforeAll(() => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      record(String(context.commandName), args.input as Record<string, unknown>);
      return next(args);
    },
    { step: "initialize", name: "recordTableAccess" },
  );
});

afterAll(() => {
  client.middlewareStack.remove("recordTableAccess");
});

/** The DynamoDB actions `act` makes, by what they apply to. */
const actionsOf = async (act: () => Promise<unknown>): Promise<Used> => {
  recording = { table: new Set(), indexes: new Set() };
  try {
    await act();
    return recording;
  } finally {
    recording = null;
  }
};

const sorted = (actions: Iterable<string>) => [...actions].sort();

type Handler = (event: never) => Promise<unknown>;
const handlerOf = async (module: HandlerModule): Promise<Handler> =>
  ((await import(`./${module}.ts`)) as { handler: Handler }).handler;

/** A connection another user left without `$disconnect` a minute ago: API Gateway now reports it gone. */
const goneConnection = (roomId: string) =>
  Connection.ConnectionEntity.put({
    connectionId: uniqueId("gone"),
    roomId,
    userId: uniqueId("user"),
    username: "ghost",
    connectedAt: new Date(Date.now() - 60_000).toISOString(),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  }).go();

const connectQuery = (roomId: string, userId: string) => ({
  query: { roomId: [roomId], userId: [userId], username: [userId] },
});

/** A stream record of a message really stored in DynamoDB Local, as the event source mapping delivers it. */
const insertRecord = async (roomId: string): Promise<DynamoDBRecord> => {
  const { message } = await Message.send({ roomId, userId: "u1", username: "alice", text: "hello" });
  const { Item } = await documentClient.send(
    new GetCommand(Message.MessageEntity.get({ roomId, id: message.id }).params()),
  );
  return {
    eventID: uniqueId("event"),
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    dynamodb: { NewImage: marshall(Item ?? {}) as never, SequenceNumber: "1", StreamViewType: "NEW_IMAGE" },
  };
};

/** A stored message of `author`, and a call of a `/rooms/{roomId}/messages/{messageId}...` route on it. */
const storedMessage = async () => {
  const roomId = uniqueId("msg").toLowerCase();
  const author = uniqueId("author");
  const { message } = await Message.send({ roomId, userId: author, username: author, text: "hello" });
  const call = (
    handler: Handler,
    method: string,
    as: string,
    { emoji, body }: { emoji?: string; body?: object } = {},
  ) =>
    handler(
      httpEvent({
        routeKey: `${method} /rooms/{roomId}/messages/{messageId}${emoji ? "/reactions/{emoji}" : ""}`,
        path: `/rooms/${roomId}/messages/${message.id}${emoji ? `/reactions/${encodeURIComponent(emoji)}` : ""}`,
        pathParameters: { roomId, messageId: message.id, ...(emoji && { emoji }) },
        headers: { "x-user-id": as },
        ...(body && { body: JSON.stringify(body) }),
      }) as never,
    );
  return { roomId, author, message, call };
};

const messageChanges = {
  "http/edit-message": async (handler: Handler) => {
    const { author, call } = await storedMessage();
    // Edited by its author; refused to another user (read to say why).
    return async () => {
      expect(await call(handler, "PATCH", author, { body: { text: "edited" } })).toMatchObject({
        statusCode: 200,
      });
      expect(await call(handler, "PATCH", "someone", { body: { text: "no" } })).toMatchObject({
        statusCode: 403,
      });
    };
  },
  "http/delete-message": async (handler: Handler) => {
    const { author, call } = await storedMessage();
    return async () => expect(await call(handler, "DELETE", author)).toMatchObject({ statusCode: 200 });
  },
  "http/put-reaction": async (handler: Handler) => {
    const { call } = await storedMessage();
    return async () =>
      expect(await call(handler, "PUT", "fan", { emoji: "👍" })).toMatchObject({ statusCode: 204 });
  },
  "http/delete-reaction": async (handler: Handler) => {
    const { roomId, message, call } = await storedMessage();
    await Message.Reaction.add({
      roomId,
      messageId: message.id,
      emoji: "👍",
      userId: "fan",
      username: "fan",
    });
    return async () =>
      expect(await call(handler, "DELETE", "fan", { emoji: "👍" })).toMatchObject({ statusCode: 204 });
  },
  "http/list-reactions": async (handler: Handler) => {
    const { call } = await storedMessage();
    return async () =>
      expect(await call(handler, "GET", "fan", { emoji: "👍" })).toMatchObject({ statusCode: 200 });
  },
};

/** A room with an owner and a member `mem` subscribed on a connection, for the moderation routes. */
const moderatedRoom = async () => {
  const roomId = uniqueId("mod").toLowerCase();
  const owner = { userId: uniqueId("owner"), username: "owner", admin: false };
  const mem = uniqueId("mem");
  await Room.create({ roomId, kind: "public" }, owner);
  await Member.put(roomId, owner, mem);
  const connected = await Connection.connect({
    connectionId: uniqueId("conn"),
    roomId,
    userId: mem,
    username: "mem",
    maxConnections: 10,
  });
  const call = (handler: Handler, method: string, route: string, userId: string, body?: object) =>
    handler(
      httpEvent({
        routeKey: `${method} /rooms/{roomId}/${route}${method === "GET" ? "" : "/{userId}"}`,
        path: `/rooms/${roomId}/${route}${method === "GET" ? "" : `/${userId}`}`,
        pathParameters: { roomId, userId },
        headers: { "x-user-id": owner.userId },
        ...(body && { body: JSON.stringify(body) }),
      }) as never,
    );
  return { roomId, owner, mem, connected, call };
};

/** The blocklist routes, called by the room's owner. */
const blocklistCall = (handler: Handler, roomId: string, userId: string, words?: string[]) =>
  handler(
    httpEvent({
      routeKey: `${words ? "PUT" : "GET"} /rooms/{roomId}/blocklist`,
      path: `/rooms/${roomId}/blocklist`,
      pathParameters: { roomId },
      headers: { "x-user-id": userId },
      ...(words && { body: JSON.stringify({ words }) }),
    }) as never,
  );

const moderation = {
  "http/get-blocklist": async (handler: Handler) => {
    const { roomId, owner } = await moderatedRoom();
    return async () =>
      expect(await blocklistCall(handler, roomId, owner.userId)).toMatchObject({ statusCode: 200 });
  },
  "http/put-blocklist": async (handler: Handler) => {
    const { roomId, owner } = await moderatedRoom();
    return async () => {
      expect(await blocklistCall(handler, roomId, owner.userId, ["spam"])).toMatchObject({ statusCode: 200 });
      expect(await blocklistCall(handler, roomId, owner.userId, [])).toMatchObject({ statusCode: 200 });
    };
  },
  "http/put-member": async (handler: Handler) => {
    const { mem, call } = await moderatedRoom();
    return async () => {
      expect(await call(handler, "PUT", "members", uniqueId("new"), {})).toMatchObject({ statusCode: 201 });
      expect(await call(handler, "PUT", "members", mem, { role: "owner" })).toMatchObject({
        statusCode: 200,
      });
    };
  },
  "http/remove-member": async (handler: Handler) => {
    const { mem, call } = await moderatedRoom();
    return async () =>
      expect(await call(handler, "DELETE", "members", mem)).toMatchObject({ statusCode: 204 });
  },
  "http/ban-user": async (handler: Handler) => {
    const { mem, call } = await moderatedRoom();
    return async () =>
      expect(await call(handler, "PUT", "bans", mem, { reason: "spam" })).toMatchObject({ statusCode: 204 });
  },
  "http/unban-user": async (handler: Handler) => {
    const { mem, call } = await moderatedRoom();
    return async () => expect(await call(handler, "DELETE", "bans", mem)).toMatchObject({ statusCode: 204 });
  },
  "http/list-bans": async (handler: Handler) => {
    const { call } = await moderatedRoom();
    return async () => expect(await call(handler, "GET", "bans", "")).toMatchObject({ statusCode: 200 });
  },
  "http/mute-user": async (handler: Handler) => {
    const { mem, call } = await moderatedRoom();
    return async () =>
      expect(await call(handler, "PUT", "mutes", mem, {})).toMatchObject({ statusCode: 204 });
  },
  "http/unmute-user": async (handler: Handler) => {
    const { mem, call } = await moderatedRoom();
    return async () => expect(await call(handler, "DELETE", "mutes", mem)).toMatchObject({ statusCode: 204 });
  },
};

/**
 * What each handler is made to do: every path that reaches storage (the first and a repeated send, presence to a
 * room holding a gone connection, which prunes it...). Prepared outside the recording, run inside it.
 */
const scenarios: Record<HandlerModule, (handler: Handler) => Promise<() => Promise<unknown>>> = {
  "http/health": async (handler) => () =>
    handler(httpEvent({ routeKey: "GET /health", path: "/health" }) as never),
  "http/openapi": async (handler) => () =>
    handler(httpEvent({ routeKey: "GET /openapi.json", path: "/openapi.json" }) as never),
  "http/not-found": async (handler) => () =>
    handler(httpEvent({ routeKey: "$default", path: "/nope" }) as never),
  "ws/authorize": async (handler) => () =>
    handler({ methodArn: "arn:aws:execute-api:us-east-1:1:ws/test/$connect", requestContext: {} } as never),
  "http/list-rooms": async (handler) => () =>
    handler(httpEvent({ routeKey: "GET /rooms", path: "/rooms" }) as never),
  "http/send-message": async (handler) => {
    const [roomId, userId] = [uniqueId("room"), uniqueId("u")];
    const send = (clientMessageId?: string, parentId?: string) =>
      handler(
        httpEvent({
          routeKey: "POST /rooms/{roomId}/messages",
          path: `/rooms/${roomId}/messages`,
          pathParameters: { roomId },
          body: JSON.stringify({ userId, username: "alice", text: "hi", clientMessageId, parentId }),
        }) as never,
      );
    return async () => {
      // A new room and an idempotency key (a transaction), its replay, then a plain send to a known room, a reply
      // (a transaction with the parent's count) and a refused reply to a reply (the parent's GetItem).
      expect(await send("c-1")).toMatchObject({ statusCode: 201 });
      expect(await send("c-1")).toMatchObject({ statusCode: 200 });
      const plain = (await send()) as { statusCode: number; body: string };
      expect(plain).toMatchObject({ statusCode: 201 });
      const parentId = (JSON.parse(plain.body) as { message: { id: string } }).message.id;
      const reply = (await send(undefined, parentId)) as { statusCode: number; body: string };
      expect(reply).toMatchObject({ statusCode: 201 });
      const replyId = (JSON.parse(reply.body) as { message: { id: string } }).message.id;
      expect(await send(undefined, replyId)).toMatchObject({ statusCode: 400 });
    };
  },
  "http/get-messages": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "GET /rooms/{roomId}/messages",
        path: "/rooms/general/messages",
        pathParameters: { roomId: "general" },
      }) as never,
    ),
  "http/get-replies": async (handler) => {
    const roomId = uniqueId("room").toLowerCase();
    const parent = await Message.send({ roomId, userId: "u1", username: "alice", text: "top" });
    await Message.send({ roomId, userId: "u2", username: "bob", text: "re", parentId: parent.message.id });
    return async () =>
      expect(
        await handler(
          httpEvent({
            routeKey: "GET /rooms/{roomId}/messages/{messageId}/replies",
            path: `/rooms/${roomId}/messages/${parent.message.id}/replies`,
            pathParameters: { roomId, messageId: parent.message.id },
          }) as never,
        ),
      ).toMatchObject({ statusCode: 200 });
  },
  "http/mark-read": async (handler) => {
    const roomId = uniqueId("room").toLowerCase();
    const sent: string[] = [];
    for (const text of ["one", "two"]) {
      sent.push((await Message.send({ roomId, userId: "u1", username: "alice", text })).message.id);
    }
    await goneConnection(roomId);
    const mark = (messageId?: string) =>
      handler(
        httpEvent({
          routeKey: "PUT /rooms/{roomId}/read",
          path: `/rooms/${roomId}/read`,
          pathParameters: { roomId },
          headers: { "x-user-id": "reader" },
          body: JSON.stringify({ messageId }),
        }) as never,
      );
    // A move (told to the room, pruning the gone connection), then an older id (the cursor read back).
    return async () => {
      expect(await mark(sent[1])).toMatchObject({ statusCode: 200 });
      expect(await mark(sent[0])).toMatchObject({ statusCode: 200 });
    };
  },
  "http/list-reads": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "GET /rooms/{roomId}/reads",
        path: "/rooms/general/reads",
        pathParameters: { roomId: "general" },
      }) as never,
    ),
  "http/list-members": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "GET /rooms/{roomId}/members",
        path: "/rooms/general/members",
        pathParameters: { roomId: "general" },
        headers: { "x-user-id": "u1" },
      }) as never,
    ),
  "http/list-presence": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "GET /rooms/{roomId}/presence",
        path: "/rooms/general/presence",
        pathParameters: { roomId: "general" },
      }) as never,
    ),
  "http/create-room": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "POST /rooms",
        path: "/rooms",
        body: JSON.stringify({ roomId: uniqueId("room").toLowerCase(), kind: "private" }),
        headers: { "x-user-id": uniqueId("u") },
      }) as never,
    ),
  "http/get-room": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "GET /rooms/{roomId}",
        path: "/rooms/general",
        pathParameters: { roomId: "general" },
        headers: { "x-user-id": "u1" },
      }) as never,
    ),
  "http/update-room": async (handler) => {
    const roomId = uniqueId("slow").toLowerCase();
    const owner = uniqueId("owner");
    await Room.create({ roomId, kind: "public" }, { userId: owner, username: "owner", admin: false });
    const patch = (room: string, as: string, body: object) =>
      handler(
        httpEvent({
          routeKey: "PATCH /rooms/{roomId}",
          path: `/rooms/${room}`,
          pathParameters: { roomId: room },
          headers: { "x-user-id": as },
          body: JSON.stringify(body),
        }) as never,
      );
    return async () => {
      // An owner's room, and `general` (a stage admin's; its row written unless it exists).
      expect(await patch(roomId, owner, { slowModeSeconds: 5 })).toMatchObject({ statusCode: 200 });
      expect(await patch("general", "stage-admin", { slowModeSeconds: 0 })).toMatchObject({
        statusCode: 200,
      });
    };
  },
  "http/open-direct": async (handler) => {
    const [a, b] = [uniqueId("a"), uniqueId("b")];
    const open = (caller: string, other: string) =>
      handler(
        httpEvent({
          routeKey: "PUT /direct/{userId}",
          path: `/direct/${other}`,
          pathParameters: { userId: other },
          headers: { "x-user-id": caller, "x-user-name": "Named" },
        }) as never,
      );
    // Created by one; opened by the other, whose name it learns then.
    return async () => {
      expect(await open(a, b)).toMatchObject({ statusCode: 201 });
      expect(await open(b, a)).toMatchObject({ statusCode: 200 });
    };
  },
  "http/my-rooms": async (handler) => {
    const caller = { userId: uniqueId("me"), username: "me", admin: false };
    const roomId = uniqueId("room").toLowerCase();
    await Room.preparePost(roomId, caller);
    await Message.send({ roomId, ...caller, text: "hi" });
    return () =>
      handler(
        httpEvent({
          routeKey: "GET /me/rooms",
          path: "/me/rooms",
          headers: { "x-user-id": caller.userId },
        }) as never,
      );
  },
  ...moderation,
  ...messageChanges,
  "ws/connect": async (handler) => {
    const roomId = uniqueId("room");
    await goneConnection(roomId);
    return () =>
      handler(socketEvent("$connect", uniqueId("conn"), connectQuery(roomId, uniqueId("u"))) as never);
  },
  "ws/disconnect": async (handler) => {
    const roomId = uniqueId("room");
    const connectionId = uniqueId("conn");
    await Connection.connect({
      connectionId,
      roomId,
      userId: uniqueId("u"),
      username: "alice",
      maxConnections: 10,
    });
    await goneConnection(roomId);
    return () => handler(socketEvent("$disconnect", connectionId) as never);
  },
  "ws/default": async (handler) => {
    const [roomId, otherRoom] = [uniqueId("room"), uniqueId("room")];
    const connectionId = uniqueId("conn");
    await Connection.connect({
      connectionId,
      roomId,
      userId: uniqueId("u"),
      username: "alice",
      maxConnections: 10,
    });
    await goneConnection(otherRoom);
    const frame = (body: object) =>
      handler(socketEvent("$default", connectionId, { body: JSON.stringify(body) }) as never);
    return async () => {
      await frame({ type: "ping" });
      await frame({ type: "send", roomId, text: "hi", clientMessageId: "c-1" });
      await frame({ type: "send", roomId, text: "hi", clientMessageId: "c-1" });
      await frame({ type: "subscribe", roomId: otherRoom });
      await frame({ type: "typing", roomId: otherRoom });
      await frame({ type: "unsubscribe", roomId: otherRoom });
    };
  },
  "stream/broadcast": async (handler) => {
    const roomId = uniqueId("room");
    await goneConnection(roomId);
    const record = await insertRecord(roomId);
    return () => handler({ Records: [record] } as never);
  },
  // The stage of these tests has no webhook endpoint: the record maps to an event that goes nowhere.
  "stream/integrations": async (handler) => {
    const record = await insertRecord(uniqueId("room"));
    return () => handler({ Records: [record] } as never);
  },
  "queue/deliver-webhook": async (handler) => () => handler({ Records: [] } as never),
  "http/put-push-subscription": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "PUT /me/push-subscriptions/{id}",
        path: "/me/push-subscriptions/b1",
        pathParameters: { id: "b1" },
        headers: { "x-user-id": uniqueId("u") },
        body: JSON.stringify({ endpoint: "https://push.example/1", keys: { p256dh: "BBBB", auth: "AAAA" } }),
      }) as never,
    ).then((result) => expect(result).toMatchObject({ statusCode: 204 })),
  "http/delete-push-subscription": async (handler) => () =>
    handler(
      httpEvent({
        routeKey: "DELETE /me/push-subscriptions/{id}",
        path: "/me/push-subscriptions/b1",
        pathParameters: { id: "b1" },
        headers: { "x-user-id": uniqueId("u") },
      }) as never,
    ).then((result) => expect(result).toMatchObject({ statusCode: 204 })),
  "http/vapid-public-key": async () => async () => undefined,
  "fan-out/worker": async (handler) => {
    const roomId = uniqueId("room");
    await goneConnection(roomId);
    const frame = {
      type: "message",
      message: (await Message.send({ roomId, userId: "u1", username: "a", text: "hi" })).message,
    };
    return () => handler({ roomId, frame, range: { after: null }, handoffs: 0 } as never);
  },
};

const declared = (access: TableAccess | null) => ({
  table: sorted(access?.table ?? []),
  indexes: sorted(access?.indexes ?? []),
});

describe("each handler's table access, run against DynamoDB Local", () => {
  it.each(Object.keys(scenarios) as HandlerModule[])(
    "%s makes only the DynamoDB calls the route table grants it, and needs every one",
    async (module) => {
      const act = await scenarios[module](await handlerOf(module));

      const used = await actionsOf(act);

      const grant = declared(tableAccess[module]);
      // Within its grant: nothing would be denied on AWS.
      const denied = {
        table: sorted(used.table).filter((action) => !grant.table.includes(action)),
        indexes: sorted(used.indexes).filter((action) => !grant.indexes.includes(action)),
      };
      expect(denied, `${module} would be denied`).toEqual({ table: [], indexes: [] });
      // And no wider: every granted action is one these paths take. The integrations consumer's grants are its Web
      // Push path, off on this test stage (no VAPID keys, no push service): local/src/push.test.ts runs it.
      if (module === "stream/integrations") return;
      expect({ table: sorted(used.table), indexes: sorted(used.indexes) }, module).toEqual(grant);
    },
  );
});
