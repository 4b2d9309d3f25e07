import { describe, expect, it } from "vitest";
import { firstMatch, normalize } from "./index";

describe("blocklist matching", () => {
  const words = normalize(["Spam", "ÄRGER", "bad word", "c++", "spam"]);

  it("stores words folded, deduplicated and sorted", () => {
    expect(words).toEqual(["bad word", "c++", "spam", "ärger"]);
  });

  it("matches whole words and phrases, case-insensitively, in any script", () => {
    expect(firstMatch("Spam!", words)).toBe("spam");
    expect(firstMatch("so much ＳＰＡＭ", words)).toBe("spam");
    expect(firstMatch("kein Ärger", words)).toBe("ärger");
    expect(firstMatch("a Bad Word here", words)).toBe("bad word");
    expect(firstMatch("I like c++ a lot", words)).toBe("c++");
  });

  it("does not match inside longer words", () => {
    for (const text of ["spammer", "antispam", "Ärgernis", "bad words", "spam_filter", "spam2"]) {
      expect(firstMatch(text, words), text).toBeNull();
    }
    expect(firstMatch("anything", [])).toBeNull();
  });
});
