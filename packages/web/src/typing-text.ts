/** "Alice is typing…", "Alice and Bob are typing…", "Alice, Bob and 2 others are typing…", or "" for nobody. */
export const typingText = (names: string[]): string => {
  const [first, second, third] = names;
  if (first === undefined) return "";
  if (second === undefined) return `${first} is typing…`;
  if (third === undefined) return `${first} and ${second} are typing…`;
  if (names.length === 3) return `${first}, ${second} and ${third} are typing…`;
  return `${first}, ${second} and ${names.length - 2} others are typing…`;
};
