import { Agent, request } from "node:http";

export interface HttpClient {
  post(url: string, body: unknown): Promise<{ status: number; body: string }>;
  close(): void;
}

/** A keep-alive JSON client with a pool of `sockets` connections, as a busy API client would hold. */
export const httpClient = (sockets: number): HttpClient => {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    post: (url, body) =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = request(
          url,
          {
            method: "POST",
            agent,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
            );
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
};

/** POSTs a message and fails loudly unless it was stored: a bench of failing requests would measure nothing. */
export const postMessage = async (
  client: HttpClient,
  httpUrl: string,
  roomId: string,
  body: { userId: string; username: string; text: string; clientMessageId?: string },
): Promise<void> => {
  const response = await client.post(`${httpUrl}/rooms/${roomId}/messages`, body);
  if (response.status !== 201) throw new Error(`POST answered ${response.status}: ${response.body}`);
};
