import type { FailureQueue } from "@chat/functions/replay/replay";

/**
 * An in-memory stand-in for the failure queue (SQS cannot run here): messages, receipt handles, and SQS's
 * visibility rule — a received message is hidden until deleted or released.
 */
export const memoryQueue = (bodies: string[]) => {
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
  return { queue, remaining: () => messages.map((message) => message.body) };
};
