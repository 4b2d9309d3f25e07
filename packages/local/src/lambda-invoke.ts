import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pLimit from "p-limit";

/** A function the emulation can run: the handler as Lambda calls it, with the time it may take. */
export interface InvokableFunction {
  invoke: (event: unknown, timeoutMs: number) => Promise<unknown>;
  /** The function's timeout (a deployed worker's is 60 s). */
  timeoutMs: number;
}

export interface LambdaInvokeOptions {
  /** The functions by name, as `Resource.<Name>.name` tells the handlers. */
  functions: Record<string, InvokableFunction>;
  /** Asynchronous invocations running at once (Lambda's concurrency for the function). */
  concurrency: number;
  /** Lambda's retries of an asynchronous invocation that throws (its default: 2). */
  retries?: number;
}

/**
 * Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`, what `LambdaClient`'s `InvokeCommand` calls),
 * for asynchronous invocations: answered 202 at once, queued, run with at most `concurrency` at a time, and retried
 * `retries` times when the handler throws (then dropped and logged: AWS would send it to the on-failure
 * destination). Listens on 127.0.0.1 only.
 */
export const startLambdaInvoke = async ({ functions, concurrency, retries = 2 }: LambdaInvokeOptions) => {
  const limit = pLimit(concurrency);
  const running = new Set<Promise<void>>();
  const failed: { functionName: string; payload: unknown; error: unknown }[] = [];
  let invocations = 0;

  const run = (functionName: string, fn: InvokableFunction, payload: unknown) => {
    const task = limit(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await fn.invoke(payload, fn.timeoutMs);
          return;
        } catch (error) {
          if (attempt >= retries) {
            console.error(`[lambda] ${functionName} failed ${attempt + 1} times; dropped`, error);
            failed.push({ functionName, payload, error });
            return;
          }
        }
      }
    });
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(
      new URL(req.url ?? "/", "http://x").pathname,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const functionName = match?.[1] && decodeURIComponent(match[1]);
    const fn = functionName ? functions[functionName] : undefined;
    if (req.method !== "POST" || !functionName || !fn) {
      return answerError(res, 404, "ResourceNotFoundException", "Function not found");
    }
    if (req.headers["x-amz-invocation-type"] !== "Event") {
      return answerError(
        res,
        400,
        "InvalidParameterValueException",
        "Only asynchronous (Event) invocations here",
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      return answerError(
        res,
        400,
        "InvalidRequestContentException",
        "Could not parse request body into json",
      );
    }
    invocations++;
    run(functionName, fn, payload);
    res.writeHead(202, { "x-amzn-requestid": String(invocations) }).end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => answerError(res, 500, "ServiceException", "Internal error"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Invocations accepted so far. */
    invocations: () => invocations,
    /** Invocations dropped after their retries. */
    failed,
    /** Resolves once nothing is queued or running. */
    idle: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};

export type LambdaInvoke = Awaited<ReturnType<typeof startLambdaInvoke>>;

const answerError = (res: ServerResponse, status: number, type: string, message: string) => {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  res.end(JSON.stringify({ Type: "User", message }));
};
