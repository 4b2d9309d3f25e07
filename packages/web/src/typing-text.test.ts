import { describe, expect, it } from "vitest";
import { typingText } from "./typing-text";

describe("typingText", () => {
  it("names up to three typists and counts the rest", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["Alice"])).toBe("Alice is typing…");
    expect(typingText(["Alice", "Bob"])).toBe("Alice and Bob are typing…");
    expect(typingText(["Alice", "Bob", "Carol"])).toBe("Alice, Bob and Carol are typing…");
    expect(typingText(["Alice", "Bob", "Carol", "Dan", "Eve"])).toBe("Alice, Bob and 3 others are typing…");
  });
});
