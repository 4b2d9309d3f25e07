import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ClientMessageId, MessageId, MessageText, RoomId, Timestamp, UserId, Username } from "./fields";

/** The issues of a parse as a `validation_failed` response lists them: dotted path and message. */
const issuesOf = <T extends v.GenericSchema>(result: v.SafeParseResult<T>) =>
  result.success
    ? []
    : result.issues.map((issue) => ({ path: v.getDotPath(issue) ?? "", message: issue.message }));

const grinning = "\u{1F600}"; // 😀: one code point, two UTF-16 units
// Family emoji: man, woman, girl, boy joined by three zero-width joiners (Cf): 7 code points, one glyph.
const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}";

describe("RoomId", () => {
  const invalidRoomId = "must be 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit";

  it("lower-cases the room id before checking it", () => {
    const input = "General";

    const result = v.safeParse(RoomId, input);

    expect(result).toMatchObject({ success: true, output: "general" });
  });

  it.each([
    { name: "a single letter", input: "a", output: "a" },
    { name: "a single digit", input: "7", output: "7" },
    { name: "underscores and hyphens after the first character", input: "team_a-1", output: "team_a-1" },
    { name: "64 characters", input: "r".repeat(64), output: "r".repeat(64) },
    { name: "64 upper-case characters, lower-cased", input: "R".repeat(64), output: "r".repeat(64) },
  ])("accepts $name", ({ input, output }) => {
    const result = v.safeParse(RoomId, input);

    expect(result).toMatchObject({ success: true, output });
  });

  it.each([
    { name: "an empty id", input: "" },
    { name: "65 characters", input: "r".repeat(65) },
    { name: "a leading underscore", input: "_general" },
    { name: "a leading hyphen", input: "-general" },
    { name: "a dot", input: "general.chat" },
    { name: "a space", input: "general chat" },
    { name: "a leading space (room ids are not trimmed)", input: " general" },
    { name: "a trailing newline", input: "general\n" },
    { name: "a slash", input: "rooms/general" },
    { name: "an accented letter", input: "caf\u00e9" },
    { name: "a non-Latin letter", input: "\u0447\u0430\u0442" },
    { name: "an emoji", input: `room${grinning}` },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(RoomId, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: invalidRoomId }]);
  });

  it("rejects a value that is not a string", () => {
    const result = v.safeParse(RoomId, 42);

    expect(issuesOf(result)).toEqual([{ path: "", message: "must be a string" }]);
  });
});

describe("UserId", () => {
  const invalidUserId = "must be 1 to 128 of A-Z, a-z, 0-9, _ . : @ and -";

  it.each([
    { name: "a single character", input: "u" },
    { name: "128 characters", input: "u".repeat(128) },
    { name: "every allowed punctuation mark", input: "alice_smith.1:eu-west@example" },
    { name: "upper case, kept as is", input: "AliceSmith" },
    { name: "a namespaced subject", input: "auth0:5f7c8ec7c33c6c004bbafe82" },
  ])("accepts $name", ({ input }) => {
    const result = v.safeParse(UserId, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it.each([
    { name: "an empty id", input: "" },
    { name: "129 characters", input: "u".repeat(129) },
    { name: "a space", input: "alice smith" },
    { name: "a slash", input: "alice/bob" },
    { name: "a plus sign", input: "alice+tag" },
    { name: "a hash", input: "alice#1" },
    { name: "a pipe", input: "auth0|123" },
    { name: "an accented letter", input: "jos\u00e9" },
    { name: "a trailing newline", input: "alice\n" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(UserId, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: invalidUserId }]);
  });

  it("rejects a value that is not a string", () => {
    const result = v.safeParse(UserId, 1);

    expect(issuesOf(result)).toEqual([{ path: "", message: "must be a string" }]);
  });
});

describe("Username", () => {
  const wrongLength = "must be 1 to 50 characters";

  it("trims surrounding whitespace", () => {
    const input = "  alice \n";

    const result = v.safeParse(Username, input);

    expect(result).toMatchObject({ success: true, output: "alice" });
  });

  it.each([
    { name: "a single character", input: "a" },
    { name: "50 characters", input: "a".repeat(50) },
    { name: "50 characters surrounded by whitespace", input: ` ${"a".repeat(50)} ` },
    { name: "50 astral emoji (100 UTF-16 units)", input: grinning.repeat(50) },
    { name: "non-Latin letters and inner spaces", input: "Zo\u00eb \u0395\u03bb\u03ad\u03bd\u03b7" },
  ])("accepts $name", ({ input }) => {
    const result = v.safeParse(Username, input);

    expect(result).toMatchObject({ success: true, output: input.trim() });
  });

  it.each([
    { name: "51 characters", input: "a".repeat(51) },
    { name: "51 astral emoji", input: grinning.repeat(51) },
    { name: "an empty name", input: "" },
    { name: "a whitespace-only name", input: " \t\n " },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(Username, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: wrongLength }]);
  });

  it("counts each code point of a ZWJ emoji sequence", () => {
    const fifty = `${family.repeat(7)}a`; // 7 × 7 + 1 code points
    const fiftyOne = `${family.repeat(7)}ab`;

    const atLimit = v.safeParse(Username, fifty);
    const overLimit = v.safeParse(Username, fiftyOne);

    expect(atLimit).toMatchObject({ success: true, output: fifty });
    expect(issuesOf(overLimit)).toEqual([{ path: "", message: wrongLength }]);
  });

  it.each([
    { name: "a newline", input: "ali\nce" },
    { name: "a tab", input: "ali\tce" },
    { name: "a carriage return", input: "ali\rce" },
    { name: "NUL", input: "ali\u0000ce" },
    { name: "ESC", input: "ali\u001bce" },
    { name: "DEL", input: "ali\u007fce" },
    { name: "NEL (a C1 control)", input: "ali\u0085ce" },
  ])("rejects a control character inside: $name", ({ input }) => {
    const result = v.safeParse(Username, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: "must not contain control characters" }]);
  });

  it.each([
    { name: "a lone high surrogate", input: "ali\uD800ce" },
    { name: "a lone low surrogate", input: "\uDC00" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(Username, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: "must not contain lone surrogates" }]);
  });

  it("rejects a value that is not a string", () => {
    const result = v.safeParse(Username, null);

    expect(issuesOf(result)).toEqual([{ path: "", message: "must be a string" }]);
  });
});

describe("MessageText", () => {
  const wrongLength = "must be 1 to 500 characters";
  const controlCharacter = "must not contain control characters other than \\n and \\t";

  it("stores the trimmed text", () => {
    const input = " \n\t hello world \n ";

    const result = v.safeParse(MessageText, input);

    expect(result).toMatchObject({ success: true, output: "hello world" });
  });

  it("keeps newlines and tabs inside the text", () => {
    const input = "line one\nline two\n\tindented";

    const result = v.safeParse(MessageText, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("counts text length in code points, not UTF-16 units", () => {
    const fiveHundred = grinning.repeat(500); // 1000 UTF-16 units
    const fiveHundredOne = grinning.repeat(501);

    const atLimit = v.safeParse(MessageText, fiveHundred);
    const overLimit = v.safeParse(MessageText, fiveHundredOne);

    expect(atLimit).toMatchObject({ success: true, output: fiveHundred });
    expect(issuesOf(overLimit)).toEqual([{ path: "", message: wrongLength }]);
  });

  it.each([
    { name: "a single character", input: "a" },
    { name: "500 characters", input: "a".repeat(500) },
    { name: "500 characters once trimmed", input: `\n ${"a".repeat(500)} \n` },
    { name: "499 characters and one astral emoji", input: `${"a".repeat(499)}${grinning}` },
    { name: "a ZWJ emoji sequence", input: `hi ${family}` },
  ])("accepts $name", ({ input }) => {
    const result = v.safeParse(MessageText, input);

    expect(result).toMatchObject({ success: true, output: input.trim() });
  });

  it.each([
    { name: "501 characters", input: "a".repeat(501) },
    { name: "500 characters and one astral emoji", input: `${"a".repeat(500)}${grinning}` },
    { name: "an empty text", input: "" },
    { name: "spaces only", input: "    " },
    { name: "newlines and tabs only", input: "\n\t\n" },
    { name: "ideographic spaces only", input: "\u3000\u3000" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(MessageText, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: wrongLength }]);
  });

  it.each([
    { name: "NUL", input: "a\u0000b" },
    { name: "BEL", input: "a\u0007b" },
    { name: "a carriage return", input: "a\r\nb" },
    { name: "a vertical tab", input: "a\u000bb" },
    { name: "ESC", input: "a\u001bb" },
    { name: "DEL", input: "a\u007fb" },
    { name: "NEL (a C1 control), even at the end", input: "ab\u0085" },
    { name: "the last C1 control", input: "a\u009fb" },
  ])("rejects a control character other than \\n and \\t: $name", ({ input }) => {
    const result = v.safeParse(MessageText, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: controlCharacter }]);
  });

  it.each([
    { name: "the zero-width joiner", input: "a\u200db" },
    { name: "the zero-width space", input: "a\u200bb" },
    { name: "the soft hyphen", input: "a\u00adb" },
    { name: "a right-to-left mark", input: "a\u200fb" },
    { name: "a byte-order mark inside the text", input: "a\ufeffb" },
  ])("allows a format character (Cf): $name", ({ input }) => {
    const result = v.safeParse(MessageText, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it.each([
    { name: "a lone high surrogate", input: "\ud800" },
    { name: "a lone low surrogate", input: "\udc00" },
    { name: "a high surrogate inside text", input: "a\ud800b" },
    { name: "a surrogate pair in the wrong order", input: "\ude00\ud83d" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(MessageText, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: "must not contain lone surrogates" }]);
  });

  it("leaves markup as is (clients render text, the API does not sanitise)", () => {
    const input = "<script>alert(1)</script> & <b>bold</b>";

    const result = v.safeParse(MessageText, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("rejects a value that is not a string", () => {
    const result = v.safeParse(MessageText, ["hello"]);

    expect(issuesOf(result)).toEqual([{ path: "", message: "must be a string" }]);
  });
});

describe("ClientMessageId", () => {
  const invalidClientMessageId = "must be 1 to 64 of A-Z, a-z, 0-9, _ and -";

  it.each([
    { name: "a single character", input: "m" },
    { name: "64 characters", input: "m".repeat(64) },
    { name: "letters of both cases, digits, _ and -", input: "Msg_01-ab" },
    { name: "a UUID", input: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" },
  ])("accepts $name", ({ input }) => {
    const result = v.safeParse(ClientMessageId, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it.each([
    { name: "an empty id", input: "" },
    { name: "65 characters", input: "m".repeat(65) },
    { name: "a dot", input: "msg.1" },
    { name: "a colon", input: "msg:1" },
    { name: "an at sign", input: "msg@1" },
    { name: "a space", input: "msg 1" },
    { name: "an accented letter", input: "m\u00e9ssage" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(ClientMessageId, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: invalidClientMessageId }]);
  });
});

describe("MessageId", () => {
  const ulid = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

  it("accepts a ULID", () => {
    const result = v.safeParse(MessageId, ulid);

    expect(result).toMatchObject({ success: true, output: ulid });
  });

  it("upper-cases a lower-case ULID so it sorts like the stored ids", () => {
    const result = v.safeParse(MessageId, ulid.toLowerCase());

    expect(result).toMatchObject({ success: true, output: ulid });
  });

  it.each([
    { name: "an empty id", input: "" },
    { name: "25 characters", input: ulid.slice(1) },
    { name: "27 characters", input: `${ulid}0` },
    { name: "letters outside Crockford's base 32 (I, L, O, U)", input: "01ARZ3NDEKTSV4RRFFQ69G5IOU" },
    { name: "a value beyond 128 bits (first character above 7)", input: "8ZZZZZZZZZZZZZZZZZZZZZZZZZ" },
    { name: "a UUID", input: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(MessageId, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: "must be a message id" }]);
  });
});

describe("Timestamp", () => {
  const invalidTimestamp = "must be an ISO-8601 UTC timestamp with milliseconds";

  it.each([
    { name: "the format of the contract", input: "2026-11-25T20:02:42.123Z" },
    {
      name: "what Date.prototype.toISOString writes",
      input: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)).toISOString(),
    },
  ])("accepts $name", ({ input }) => {
    const result = v.safeParse(Timestamp, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it.each([
    { name: "a timestamp without milliseconds", input: "2026-11-25T20:02:42Z" },
    { name: "a timestamp with microseconds", input: "2026-11-25T20:02:42.123456Z" },
    { name: "a timestamp without Z", input: "2026-11-25T20:02:42.123" },
    { name: "a timestamp with an offset", input: "2026-11-25T20:02:42.123+00:00" },
    { name: "a date only", input: "2026-11-25" },
    { name: "a space instead of T", input: "2026-11-25 20:02:42.123Z" },
  ])("rejects $name", ({ input }) => {
    const result = v.safeParse(Timestamp, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "", message: invalidTimestamp }]);
  });
});
