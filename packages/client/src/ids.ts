// 64 symbols, all allowed in a clientMessageId: a random byte masked to 6 bits picks one uniformly.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";

/**
 * A fresh `clientMessageId`: 21 random symbols (126 bits). `crypto.getRandomValues` rather than `randomUUID`,
 * which browsers offer only on secure origins.
 */
export const newClientMessageId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(21)), (byte) => alphabet[byte & 63]).join("");

/** Sorts before every message id: the cursor of a room that was empty when the client looked. */
export const MIN_MESSAGE_ID = "00000000000000000000000000";
