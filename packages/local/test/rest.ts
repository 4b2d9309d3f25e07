import { expect } from "vitest";

/**
 * REST calls to a local stack as a user (`auth: none`: the caller is the `x-user-id` header), each expected to
 * succeed (the answer's text is in the failure message). `httpUrl` is read at call time: the stack starts in
 * `beforeAll`.
 */
export const restAs = (httpUrl: () => string) => {
  const call = async (method: string, path: string, as: string, body?: unknown) => {
    const response = await fetch(`${httpUrl()}${path}`, {
      method,
      headers: { "x-user-id": as, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path} as ${as}: ${await response.clone().text()}`).toBeLessThan(300);
    return response;
  };
  /** Posts a message as `userId` (also its display name). */
  const post = (roomId: string, userId: string, text: string) =>
    call("POST", `/rooms/${roomId}/messages`, userId, { userId, username: userId, text });
  return { call, post };
};
