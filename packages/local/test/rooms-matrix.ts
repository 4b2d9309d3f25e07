import { ErrorResponse, ErrorStatus, type ServerFrame } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/stack";
import { connectClient, refusedHandshake } from "./clients";

// The contract's who-may-do-what table, through the real stack (real HTTP and WebSocket clients, the real handlers,
// DynamoDB Local), in either auth mode: with `none` callers are named by `x-user-id` (REST) or the connect query
// (socket), with `jwt` by tokens from the development issuer. Every action x every kind of caller x every
// kind of room, each case on a room of its own so that no case sees another's changes. The stage admin (the stack's
// admins list) acts as owner everywhere but in direct rooms, and is a member of none of the rooms.

/** Defines the matrix's suite: every action x every caller x every kind of room, for one auth mode. */
export const whoMayDoWhat = (auth: "none" | "jwt"): void => {
  let stack: LocalStack;
  const ADMIN = "stage-admin@m";

  beforeAll(async () => {
    stack = await startLocalStack({
      httpPort: 0,
      wsPort: 0,
      tableName: `chat-matrix-${auth}`,
      auth,
      limits: { sendsPerMinute: 1_000_000, framesPerMinute: 1_000_000 },
      admins: [ADMIN],
    });
  });

  afterAll(async () => {
    console.log(`rooms matrix (${auth}): ${cases.length} cases`);
    await stack?.stop();
  });

  type Kind = "public" | "private" | "direct";
  type Who = "owner" | "moderator" | "member" | "outsider" | "banned" | "muted" | "admin";
  const everyone: Who[] = ["owner", "moderator", "member", "outsider", "banned", "muted", "admin"];

  let rooms = 0;

  /** The users of one case's room, by what they are to it. */
  interface Cast {
    roomId: string;
    user: Record<Who | "target" | "stranger", string>;
  }

  const tokens = new Map<string, Promise<string>>();
  /** How a request names its caller: a token of theirs with `jwt`, the `x-user-id` header without. */
  const credentials = async (as: string): Promise<Record<string, string>> => {
    if (auth === "none") return { "x-user-id": as };
    if (!tokens.has(as)) tokens.set(as, stack.issuer.mint(as));
    return { authorization: `Bearer ${await tokens.get(as)}` };
  };
  /** The connect query of a socket of `as`: with `jwt` it carries their token. */
  const socketQuery = async (roomId: string, as: string): Promise<Record<string, string>> => {
    const query = { roomId, userId: as, username: "Someone" };
    if (auth === "none") return query;
    const { authorization = "" } = await credentials(as);
    return { ...query, token: authorization.replace("Bearer ", "") };
  };

  const request = async (method: string, path: string, as: string, body?: unknown) => {
    const response = await fetch(`${stack.httpUrl}${path}`, {
      method,
      headers: {
        ...(await credentials(as)),
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const code = response.status >= 400 ? v.parse(ErrorResponse, JSON.parse(text)).code : null;
    return { status: response.status, code, text };
  };

  const must = async (call: Promise<{ status: number; text: string }>, status: number) => {
    const result = await call;
    expect(result.status, result.text).toBe(status);
  };

  /**
   * A room of the kind, with an owner, a moderator, a member, a muted member, a banned user and a member `target` to
   * act on. A direct room has only its two users: `member` and `target`; the others are strangers to it.
   */
  const setUp = async (kind: Kind): Promise<Cast> => {
    const n = rooms++;
    const id = (who: string) => `${who}.${n}@m`;
    const user = Object.fromEntries(
      [...everyone, "target", "stranger"].map((who) => [who, who === "admin" ? ADMIN : id(who)]),
    ) as Cast["user"];
    if (kind === "direct") {
      const opened = await request("PUT", `/direct/${user.target}`, user.member);
      expect(opened.status, opened.text).toBe(201);
      return { roomId: (JSON.parse(opened.text) as { room: { roomId: string } }).room.roomId, user };
    }
    const roomId = `matrix-${process.pid}-${n}`;
    const base = `/rooms/${roomId}`;
    await must(request("POST", "/rooms", user.owner, { roomId, kind }), 201);
    await must(request("PUT", `${base}/members/${user.moderator}`, user.owner, { role: "moderator" }), 201);
    for (const who of ["member", "muted", "target"] as const) {
      await must(request("PUT", `${base}/members/${user[who]}`, user.owner, {}), 201);
    }
    await must(request("PUT", `${base}/mutes/${user.muted}`, user.owner, {}), 204);
    await must(request("PUT", `${base}/bans/${user.banned}`, user.owner, {}), 204);
    return { roomId, user };
  };

  type Act = (cast: Cast, as: string) => Promise<{ status: number; code: string | null; text: string }>;

  /** One action of the table, as a REST call by `as` on the case's room. */
  const actions: Record<string, Act> = {
    "read history": ({ roomId }, as) => request("GET", `/rooms/${roomId}/messages`, as),
    "read the room": ({ roomId }, as) => request("GET", `/rooms/${roomId}`, as),
    "read members": ({ roomId }, as) => request("GET", `/rooms/${roomId}/members`, as),
    "read presence": ({ roomId }, as) => request("GET", `/rooms/${roomId}/presence`, as),
    post: async ({ roomId }, as) =>
      fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth === "jwt" && (await credentials(as))) },
        body: JSON.stringify({ userId: as, username: "Someone", text: "hello" }),
      }).then(async (response) => {
        const text = await response.text();
        const code = response.status >= 400 ? v.parse(ErrorResponse, JSON.parse(text)).code : null;
        return { status: response.status, code, text };
      }),
    "join (add oneself)": ({ roomId }, as) => request("PUT", `/rooms/${roomId}/members/${as}`, as, {}),
    "add another user": ({ roomId, user }, as) =>
      request("PUT", `/rooms/${roomId}/members/${user.stranger}`, as, {}),
    "change a role": ({ roomId, user }, as) =>
      request("PUT", `/rooms/${roomId}/members/${user.target}`, as, { role: "moderator" }),
    "remove a member": ({ roomId, user }, as) =>
      request("DELETE", `/rooms/${roomId}/members/${user.target}`, as),
    leave: ({ roomId }, as) => request("DELETE", `/rooms/${roomId}/members/${as}`, as),
    ban: ({ roomId, user }, as) =>
      request("PUT", `/rooms/${roomId}/bans/${user.target}`, as, { reason: "test" }),
    unban: ({ roomId, user }, as) => request("DELETE", `/rooms/${roomId}/bans/${user.banned}`, as),
    "list bans": ({ roomId }, as) => request("GET", `/rooms/${roomId}/bans`, as),
    mute: ({ roomId, user }, as) => request("PUT", `/rooms/${roomId}/mutes/${user.target}`, as, {}),
    unmute: ({ roomId, user }, as) => request("DELETE", `/rooms/${roomId}/mutes/${user.muted}`, as),
  };

  /**
   * A socket action's outcome in the REST matrix's terms: what a refused handshake or an error frame says, else the
   * status the REST twin answers (`ok`).
   */
  const socketAnswer = (frame: ServerFrame, ok: number) => {
    if (frame.type !== "error") return { status: ok, code: null, text: JSON.stringify(frame) };
    const { code } = frame.error;
    return { status: ErrorStatus[code], code, text: JSON.stringify(frame) };
  };

  /** Opens a socket for `as` in a room of their own, sends `frame`, and waits for the answer naming `roomId`. */
  const frameAnswer = async (as: string, frame: object, roomId: string, ok: number) => {
    const client = await connectClient(stack.wsUrl, await socketQuery(`lobby-${rooms++}`, as));
    try {
      client.socket.send(JSON.stringify(frame));
      const [answer] = await client.waitFor(
        1,
        (f) =>
          ((f.type === "subscribed" || f.type === "error") && f.roomId === roomId) ||
          (f.type === "ack" && f.message.roomId === roomId),
        10_000,
      );
      if (!answer) throw new Error("no answer");
      return socketAnswer(answer, ok);
    } finally {
      await client.close();
    }
  };

  /** The socket's actions: the same rows of the table, asked over the WebSocket API. */
  const socketActions: Record<string, Act> = {
    "connect with it as the room (socket)": async ({ roomId }, as) => {
      const query = await socketQuery(roomId, as);
      const client = await connectClient(stack.wsUrl, query).catch(() => null);
      if (client) {
        await client.close();
        return { status: 200, code: null, text: "connected" };
      }
      const refused = await refusedHandshake(stack.wsUrl, new URLSearchParams(query).toString());
      return {
        status: refused.status,
        code: v.parse(ErrorResponse, JSON.parse(refused.body)).code,
        text: refused.body,
      };
    },
    "subscribe (socket)": ({ roomId }, as) => frameAnswer(as, { type: "subscribe", roomId }, roomId, 200),
    "post (socket send)": ({ roomId }, as) =>
      frameAnswer(as, { type: "send", roomId, text: "hello", clientMessageId: `c-${rooms++}` }, roomId, 201),
  };

  /** Expected answers per caller, in the order of `everyone`: a status, or a status and error code. */
  const F = "403 forbidden";
  const readers: Record<Kind, string[]> = {
    public: ["200", "200", "200", "200", F, "200", "200"],
    private: ["200", "200", "200", F, F, "200", "200"],
    direct: [F, F, "200", F, F, F, F],
  };
  const staff = (ok: string): Record<Kind, string[]> => ({
    public: [ok, ok, F, F, F, F, ok],
    private: [ok, ok, F, F, F, F, ok],
    direct: [F, F, F, F, F, F, F],
  });
  const expected: Record<string, Record<Kind, string[]>> = {
    "read history": readers,
    "read the room": readers,
    "read members": readers,
    "read presence": readers,
    post: {
      public: ["201", "201", "201", "201", F, F, "201"],
      private: ["201", "201", "201", F, F, F, "201"],
      direct: [F, F, "201", F, F, F, F],
    },
    "join (add oneself)": {
      public: ["200", "200", "200", "201", F, "200", "201"],
      private: ["200", "200", F, F, F, F, "201"],
      direct: [F, F, F, F, F, F, F],
    },
    "add another user": staff("201"),
    "change a role": {
      public: ["200", F, F, F, F, F, "200"],
      private: ["200", F, F, F, F, F, "200"],
      direct: [F, F, F, F, F, F, F],
    },
    "remove a member": staff("204"),
    leave: {
      public: ["409 conflict", "204", "204", "404 not_found", "404 not_found", "204", "404 not_found"],
      private: ["409 conflict", "204", "204", "404 not_found", "404 not_found", "204", "404 not_found"],
      direct: [F, F, F, F, F, F, F],
    },
    ban: staff("204"),
    unban: staff("204"),
    "list bans": staff("200"),
    mute: staff("204"),
    unmute: staff("204"),
    "connect with it as the room (socket)": readers,
    "subscribe (socket)": readers,
    "post (socket send)": {
      public: ["201", "201", "201", "201", F, F, "201"],
      private: ["201", "201", "201", F, F, F, "201"],
      direct: [F, F, "201", F, F, F, F],
    },
  };

  const kinds: Kind[] = ["public", "private", "direct"];
  const everyAction: Record<string, Act> = { ...actions, ...socketActions };
  const cases = Object.keys(everyAction).flatMap((action) =>
    kinds.flatMap((kind) =>
      everyone.map((who, i) => ({ action, kind, who, expected: expected[action]?.[kind][i] ?? "?" })),
    ),
  );

  describe(`the who-may-do-what table over REST and the socket (auth ${auth})`, () => {
    it.concurrent.each(cases)(
      "$action in a $kind room by the $who: $expected",
      async ({ action, kind, who, expected }) => {
        const cast = await setUp(kind);
        const act = everyAction[action];
        if (!act) throw new Error(`no action ${action}`);

        const { status, code, text } = await act(cast, cast.user[who as Who]);

        expect(code ? `${status} ${code}` : String(status), text).toBe(expected);
      },
    );
  });
};
