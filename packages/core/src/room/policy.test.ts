import type { Role, RoomKind } from "@chat/types";
import { describe, expect, it } from "vitest";
import { type Action, decide, type PolicyInput } from "./policy";

/** Who is asking, as the contract's table names them. */
type Who = "owner" | "moderator" | "member" | "outsider" | "banned" | "muted" | "admin";

const caller = (who: Who, kind: RoomKind): Omit<PolicyInput, "room"> => {
  const role: Role | null =
    who === "owner" || who === "moderator" || who === "member" ? who : who === "muted" ? "member" : null;
  // Direct rooms have members only: their owner and moderator rows do not exist.
  const membership = role && !(kind === "direct" && role !== "member") ? { userId: "me", role } : null;
  return {
    caller: { userId: "me", admin: who === "admin" },
    membership,
    banned: who === "banned",
    muted: who === "muted",
  };
};

const member = (userId: string, role: Role) => ({ userId, membership: { userId, role } });
const outcome = (error: ReturnType<typeof decide>) => error?.code ?? "ok";

const everyone: Who[] = ["owner", "moderator", "member", "outsider", "banned", "muted", "admin"];
const kinds: RoomKind[] = ["public", "private", "direct"];

/**
 * The expected answer per room kind and caller, in the order of `everyone`: "ok" or the error code. Roles that a
 * direct room cannot have (owner, moderator) behave as outsiders there.
 */
type Row = Record<RoomKind, string[]>;
const F = "forbidden";
const table: { action: Action; target?: PolicyInput["target"]; role?: Role; expected: Row }[] = [
  {
    action: "read",
    expected: {
      public: ["ok", "ok", "ok", "ok", F, "ok", "ok"],
      private: ["ok", "ok", "ok", F, F, "ok", "ok"],
      direct: [F, F, "ok", F, F, "ok", F],
    },
  },
  {
    action: "post",
    expected: {
      public: ["ok", "ok", "ok", "ok", F, F, "ok"],
      private: ["ok", "ok", "ok", F, F, F, "ok"],
      direct: [F, F, "ok", F, F, "ok", F],
    },
  },
  {
    // Rename, slow mode.
    action: "configure",
    expected: {
      public: ["ok", "ok", F, F, F, F, "ok"],
      private: ["ok", "ok", F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  {
    action: "add",
    target: { userId: "me", membership: null },
    expected: {
      // Joining oneself: anyone not banned in a public room; moderators+ in a private one.
      public: ["ok", "ok", "ok", "ok", F, "ok", "ok"],
      private: ["ok", "ok", F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  {
    action: "add",
    target: { userId: "other", membership: null },
    expected: {
      public: ["ok", "ok", F, F, F, F, "ok"],
      private: ["ok", "ok", F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  {
    action: "setRole",
    target: member("other", "member"),
    role: "moderator",
    expected: {
      public: ["ok", F, F, F, F, F, "ok"],
      private: ["ok", F, F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  {
    action: "remove",
    target: member("other", "member"),
    expected: {
      public: ["ok", "ok", F, F, F, F, "ok"],
      private: ["ok", "ok", F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  {
    action: "remove",
    target: member("other", "moderator"),
    expected: {
      public: ["ok", F, F, F, F, F, "ok"],
      private: ["ok", F, F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  ...(["ban", "mute"] as const).flatMap((action) => [
    {
      action,
      target: member("other", "member"),
      expected: {
        public: ["ok", "ok", F, F, F, F, "ok"],
        private: ["ok", "ok", F, F, F, F, "ok"],
        direct: [F, F, F, F, F, F, F],
      },
    },
    {
      action,
      target: member("other", "moderator"),
      expected: {
        public: ["ok", F, F, F, F, F, "ok"],
        private: ["ok", F, F, F, F, F, "ok"],
        direct: [F, F, F, F, F, F, F],
      },
    },
    {
      action,
      target: member("other", "owner"),
      expected: {
        public: [F, F, F, F, F, F, F],
        private: [F, F, F, F, F, F, F],
        direct: [F, F, F, F, F, F, F],
      },
    },
  ]),
  {
    // Deleting one's own message: whoever may still read the room (a mute does not stop it).
    action: "deleteMessage",
    target: { userId: "me", membership: null },
    expected: {
      public: ["ok", "ok", "ok", "ok", F, "ok", "ok"],
      private: ["ok", "ok", "ok", F, F, "ok", "ok"],
      direct: [F, F, "ok", F, F, "ok", F],
    },
  },
  {
    // Someone else's: moderators and owners (admins act as owner); nobody in a direct room.
    action: "deleteMessage",
    target: { userId: "other", membership: null },
    expected: {
      public: ["ok", "ok", F, F, F, F, "ok"],
      private: ["ok", "ok", F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  },
  ...(["unban", "unmute"] as const).map((action) => ({
    action,
    target: member("other", "member"),
    expected: {
      public: ["ok", "ok", F, F, F, F, "ok"],
      private: ["ok", "ok", F, F, F, F, "ok"],
      direct: [F, F, F, F, F, F, F],
    },
  })),
];

const cases = table.flatMap(({ action, target, role, expected }) =>
  kinds.flatMap((kind) =>
    everyone.map((who, i) => ({
      name: `${action}${target ? ` ${target.userId === "me" ? "self" : (target.membership?.role ?? "user")}` : ""} in a ${kind} room by ${who}`,
      action,
      input: { room: { kind, owners: 2 }, ...caller(who, kind), target, role } satisfies PolicyInput,
      expected: expected[kind][i],
    })),
  ),
);

describe("decide: the who-may-do-what table", () => {
  it.each(cases)("$name: $expected", ({ action, input, expected }) => {
    expect(outcome(decide(action, input))).toBe(expected);
  });
});

describe("decide: the edges of the table", () => {
  const owner = caller("owner", "public");

  it("lets a member leave, and refuses the last owner leaving or stepping down with conflict", () => {
    const room = { kind: "public" as const, owners: 1 };
    const self = (role: Role) => member("me", role);

    expect(outcome(decide("remove", { room, ...caller("member", "public"), target: self("member") }))).toBe(
      "ok",
    );
    expect(outcome(decide("remove", { room, ...owner, target: self("owner") }))).toBe("conflict");
    expect(outcome(decide("setRole", { room, ...owner, target: self("owner"), role: "member" }))).toBe(
      "conflict",
    );
    expect(outcome(decide("remove", { room: { ...room, owners: 2 }, ...owner, target: self("owner") }))).toBe(
      "ok",
    );
  });

  it("answers not_found for a member action on a non-member or an unknown room", () => {
    const room = { kind: "public" as const, owners: 1 };
    const stranger = { userId: "x", membership: null };

    expect(outcome(decide("remove", { room, ...owner, target: stranger }))).toBe("not_found");
    expect(outcome(decide("mute", { room, ...owner, target: stranger }))).toBe("not_found");
    expect(outcome(decide("unmute", { room, ...owner, target: stranger }))).toBe("not_found");
    expect(outcome(decide("ban", { room, ...owner, target: stranger }))).toBe("ok");
    expect(outcome(decide("add", { room: null, ...owner, target: stranger }))).toBe("not_found");
  });

  it("reads and posts to a room that does not exist yet as a public one", () => {
    const outsider = caller("outsider", "public");

    expect(outcome(decide("read", { room: null, ...outsider }))).toBe("ok");
    expect(outcome(decide("post", { room: null, ...outsider }))).toBe("ok");
  });

  it("refuses adding a banned user, even by an owner", () => {
    const room = { kind: "public" as const, owners: 1 };
    const target = { userId: "x", membership: null, banned: true };

    expect(outcome(decide("add", { room, ...owner, target }))).toBe("forbidden");
  });
});
