import type { FailureQueue } from "@chat/functions/replay/replay";

/**
 * An in-memory stand-in for the broadcaster's failure queue (SQS cannot run here): messages, receipt handles, and
 * SQS's visibility rule — a received message is hidden until deleted or released. The local stream poller sends it
 * what Lambda's on-failure destination would; `replayFailures` reads it as it reads SQS.
 */
export const memoryQueue = (bodies: string[] = []) => {
  let next = 0;
  const messages = bodies.map((body) => ({ body, handle: "", visible: true }));
  const queue: FailureQueue = {
    receive: async () =>
      messages
        .filter((message) => message.visible)
        .slice(0, 10)
        .map((message) => {
          message.visible = false;
          message.handle = `receipt-${next++}`;
          return { body: message.body, receiptHandle: message.handle };
        }),
    delete: async (handle) => {
      const index = messages.findIndex((message) => message.handle === handle);
      if (index === -1) throw new Error(`no message has receipt ${handle}`);
      messages.splice(index, 1);
    },
    release: async (handle) => {
      const message = messages.find((m) => m.handle === handle);
      if (!message) throw new Error(`no message has receipt ${handle}`);
      message.visible = true;
    },
  };
  return {
    queue,
    send: (body: string) => {
      messages.push({ body, handle: "", visible: true });
    },
    remaining: () => messages.map((message) => message.body),
  };
};
