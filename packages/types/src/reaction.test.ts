import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ChatMessage, Emoji, MessageDeletedFrame, ReactionFrame, ReactionPath, ServerFrame } from ".";

const message: ChatMessage = {
  id: "01M8A9B375Q68JH792N430VW33",
  roomId: "general",
  userId: "u1",
  username: "alice",
  text: "hello",
  createdAt: "2026-11-25T20:02:42.123Z",
  clientMessageId: null,
  parentId: null,
  replyCount: 0,
  editedAt: null,
  deletedAt: null,
  reactions: [],
};

describe("Emoji", () => {
  it.each(["👍", "👩‍💻", ":ship-it:", "+1", "x".repeat(32)])("accepts %s", (emoji) => {
    expect(v.safeParse(Emoji, emoji).success).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["33 code points", "😀".repeat(33)],
    ["a space", "a b"],
    ["a newline", "a\n"],
    ["a no-break space", "a\u00a0b"],
    ["a control character", "\u0007"],
    ["a lone surrogate", "\ud83d"],
  ])("refuses %s", (_, emoji) => {
    expect(v.safeParse(Emoji, emoji).success).toBe(false);
  });

  it("reads the path of a reaction route, upper-casing the message id", () => {
    const path = v.parse(ReactionPath, {
      roomId: "General",
      messageId: message.id.toLowerCase(),
      emoji: "🎉",
    });

    expect(path).toEqual({ roomId: "general", messageId: message.id, emoji: "🎉" });
  });
});

describe("ChatMessage, as it lives", () => {
  it("accepts a tombstone (empty text, deletedAt set) and an edited message with reactions", () => {
    const tombstone = { ...message, text: "", deletedAt: "2026-11-25T20:03:00.000Z" };
    const edited = {
      ...message,
      editedAt: "2026-11-25T20:03:00.000Z",
      reactions: [{ emoji: "👍", count: 2 }],
    };

    expect(v.parse(ChatMessage, tombstone)).toEqual(tombstone);
    expect(v.parse(ChatMessage, edited)).toEqual(edited);
  });

  it("refuses a reaction count of 0 and a message without the new fields", () => {
    const { editedAt: _, ...old } = message;

    expect(v.safeParse(ChatMessage, { ...message, reactions: [{ emoji: "👍", count: 0 }] }).success).toBe(
      false,
    );
    expect(v.safeParse(ChatMessage, old).success).toBe(false);
  });
});

describe("frames of messages that live", () => {
  it("parses message.deleted and reaction frames as server frames", () => {
    const deleted = {
      type: "message.deleted",
      message: { ...message, text: "", deletedAt: message.createdAt },
    };
    const reaction = {
      type: "reaction",
      roomId: "general",
      messageId: message.id,
      emoji: "👍",
      userId: "u2",
      event: "removed",
      count: 0,
    };

    expect(v.parse(ServerFrame, deleted)).toEqual(v.parse(MessageDeletedFrame, deleted));
    expect(v.parse(ServerFrame, reaction)).toEqual(v.parse(ReactionFrame, reaction));
    expect(v.safeParse(ReactionFrame, { ...reaction, event: "changed" }).success).toBe(false);
  });
});
