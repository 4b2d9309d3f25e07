import WebSocket from "ws";

export interface Listener {
  socket: WebSocket;
  close(): Promise<void>;
}

/**
 * A WebSocket client of the stack. `onText` gets the `text` of every message frame: the bench names each message
 * by its text, so no frame needs to match a server-made id. Frames are parsed as JSON, as a client would.
 */
export const listen = (
  url: string,
  query: Record<string, string>,
  onText: (text: string) => void,
): Promise<Listener> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/?${new URLSearchParams(query)}`);
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; message?: { text: string } };
      if (frame.type === "message" && frame.message) onText(frame.message.text);
    });
    socket.once("unexpected-response", (_, response) =>
      reject(new Error(`handshake refused: ${response.statusCode}`)),
    );
    socket.once("error", reject);
    socket.once("open", () =>
      resolve({
        socket,
        close: () =>
          new Promise<void>((closed) => {
            if (socket.readyState === WebSocket.CLOSED) return closed();
            socket.once("close", () => closed());
            socket.close();
          }),
      }),
    );
  });

/** Resolves when `arrive(key)` has been called `count` times for `key`; `arrive` is what listeners call. */
export const arrivals = () => {
  const waiting = new Map<string, { left: number; resolve: (at: number) => void }>();
  return {
    expect: (key: string, count: number, timeoutMs: number): Promise<number> => {
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`"${key}" did not reach ${count} listener(s) within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(key, {
          left: count,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        });
      });
      // The caller awaits it after its own request: a timeout meanwhile must not count as unhandled.
      arrived.catch(() => undefined);
      return arrived;
    },
    arrive: (key: string) => {
      const waiter = waiting.get(key);
      if (!waiter) return;
      waiter.left--;
      if (waiter.left === 0) {
        waiting.delete(key);
        waiter.resolve(performance.now());
      }
    },
  };
};
