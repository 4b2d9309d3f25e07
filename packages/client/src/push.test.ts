import { describe, expect, it } from "vitest";
import { clientFor, useLocalStack } from "../test/stack";
import { ChatError } from "./index";

// Real: the local stack and its push subscription routes (the push itself is covered in @chat/local's push.test.ts).
const stack = useLocalStack();

const subscription = {
  endpoint: "https://push.example.com/send/abc",
  keys: {
    p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    auth: "tBHItJI5svbpez7KI4CCXg",
  },
};

describe("push registration", () => {
  it("registers a browser's subscription under an id made from its endpoint, and unregisters it", async () => {
    const client = clientFor(stack.current, "pusher");
    const id = await client.registerPush(subscription);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await client.registerPush(subscription)).toBe(id);
    await expect(client.unregisterPush(subscription)).resolves.toBeUndefined();
    await expect(client.unregisterPush(subscription.endpoint)).resolves.toBeUndefined();
  });

  it("refuses an endpoint that is not https before calling the API", async () => {
    const client = clientFor(stack.current, "pusher");
    await expect(
      client.registerPush({ ...subscription, endpoint: "http://push.example.com/x" }),
    ).rejects.toBeInstanceOf(ChatError);
  });
});
