import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for API Gateway's management API, which cannot run here (the local stack's real emulation lives in
 * @chat/local, which depends on this package). A connection id's prefix picks the answer: `gone-` 410 (the SDK
 * raises GoneException), `throttled-` 429, `broken-` 500, `flaky<k>-` 429 on its first k posts, anything else 200.
 * `GET /calls` lists the posts received. It also stands in for Lambda's Invoke API (AWS itself, mocked): an
 * asynchronous invocation (`/2015-03-31/functions/{name}/invocations`) is answered 202 and listed by
 * `GET /invocations`, payload and all.
 */
export const startFakeManagementApi = async (): Promise<{ endpoint: string; close(): Promise<void> }> => {
  const calls: { connectionId: string; data: string }[] = [];
  const invocations: { functionName: string; payload: unknown }[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    if (req.url === "/calls") return res.writeHead(200).end(JSON.stringify(calls));
    if (req.url === "/invocations") return res.writeHead(200).end(JSON.stringify(invocations));
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
    if (invoke?.[1]) {
      const payload: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      invocations.push({ functionName: decodeURIComponent(invoke[1]), payload });
      return res.writeHead(202).end();
    }
    const connectionId = decodeURIComponent(req.url?.replace("/@connections/", "") ?? "");
    calls.push({ connectionId, data: Buffer.concat(chunks).toString("utf8") });
    const flaky = /^flaky(\d+)-/.exec(connectionId);
    const failures = flaky ? Number(flaky[1]) : 0;
    const seen = calls.filter((call) => call.connectionId === connectionId).length;
    const [status, type] =
      seen <= failures
        ? [429, "LimitExceededException"]
        : connectionId.startsWith("gone-")
          ? [410, "GoneException"]
          : connectionId.startsWith("throttled-")
            ? [429, "LimitExceededException"]
            : connectionId.startsWith("broken-")
              ? [500, "InternalServerErrorException"]
              : [200, ""];
    res.writeHead(status, type ? { "x-amzn-errortype": type, "content-type": "application/json" } : {});
    res.end(type ? JSON.stringify({ message: type }) : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

/** What the fake received, for assertions in the test workers. */
export const postsReceived = async (): Promise<{ connectionId: string; data: string }[]> => {
  const response = await fetch(`${process.env.FAKE_MANAGEMENT_API}/calls`);
  return (await response.json()) as { connectionId: string; data: string }[];
};

/** The asynchronous Lambda invocations the fake received, for assertions in the test workers. */
export const invocationsReceived = async (): Promise<{ functionName: string; payload: unknown }[]> => {
  const response = await fetch(`${process.env.FAKE_MANAGEMENT_API}/invocations`);
  return (await response.json()) as { functionName: string; payload: unknown }[];
};
