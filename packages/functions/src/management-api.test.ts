import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiGatewayManagementApiClient, GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionPoster, encodeFrame } from "./management-api";

// API Gateway's management API cannot run here: a local server stands in for it, answering what a test asks for
// and keeping every request it receives, so the signature can be checked the way AWS checks it.

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const received: Received[] = [];
let answers: { status: number; type?: string }[] = [];
let endpoint: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    received.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    const { status, type } = answers.shift() ?? { status: 200 };
    res.writeHead(status, type ? { "x-amzn-errortype": type, "content-type": "application/json" } : {});
    res.end(type ? JSON.stringify({ message: `${type} from the test` }) : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(() => close());

const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };

const poster = (stagePath = "/prod") =>
  connectionPoster(
    new ApiGatewayManagementApiClient({
      endpoint: `${endpoint}${stagePath}`,
      region: "eu-west-1",
      credentials,
    }),
    `${endpoint}${stagePath}`,
  );

const frame = encodeFrame({ type: "error", error: { code: "internal", message: "a frame" } });

const post = async (connectionId: string, answerWith: { status: number; type?: string }[] = []) => {
  received.length = 0;
  answers = answerWith;
  await poster()(connectionId, frame);
  return received;
};

describe("postToConnection", () => {
  it("POSTs the frame's bytes to the stage's @connections path, escaping the connection id", async () => {
    const [request] = await post("Lx3a=/+b");

    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/prod/@connections/Lx3a%3D%2F%2Bb");
    expect(request?.body.equals(frame.body)).toBe(true);
    expect(request?.headers["content-type"]).toBe("application/octet-stream");
  });

  it("signs each post with SigV4 for execute-api, verifiably from what the server receives", async () => {
    const [request] = await post("conn-signed");
    const headers = request?.headers ?? {};

    expect(headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(frame.body).digest("hex"));
    const authorization = String(headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
    );
    // Recompute the signature from the request as received, as AWS does, with the same key and time.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
    expect(signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date", "x-amz-content-sha256"]));
    const amzDate = String(headers["x-amz-date"]);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
    );
    const { sha256 } = new ApiGatewayManagementApiClient({ region: "eu-west-1", credentials }).config;
    const verifier = new SignatureV4({ service: "execute-api", region: "eu-west-1", credentials, sha256 });
    const resigned = await verifier.sign(
      new HttpRequest({
        method: request?.method ?? "",
        protocol: "http:",
        hostname: "127.0.0.1",
        path: request?.path ?? "",
        headers: Object.fromEntries(signedHeaders.map((name) => [name, String(headers[name])])),
        body: request?.body,
      }),
      { signingDate },
    );
    expect(resigned.headers.authorization).toBe(authorization);
  });

  it("raises GoneException for a connection that no longer exists", async () => {
    const failure = post("conn-gone", [{ status: 410, type: "GoneException" }]);

    await expect(failure).rejects.toBeInstanceOf(GoneException);
    await expect(failure).rejects.toMatchObject({ $metadata: { httpStatusCode: 410 } });
  });

  it("retries a throttled post as the SDK does, and delivers it", async () => {
    const requests = await post("conn-throttled-once", [{ status: 429, type: "LimitExceededException" }]);

    expect(requests).toHaveLength(2);
    expect(requests[1]?.body.equals(frame.body)).toBe(true);
  });

  it("gives up after the SDK's attempts on a failing server, with the status on the error", async () => {
    const failing = Array.from({ length: 3 }, () => ({ status: 500, type: "InternalServerErrorException" }));
    const failure = post("conn-broken", failing);

    await expect(failure).rejects.toMatchObject({
      name: "InternalServerErrorException",
      $fault: "server",
      $metadata: { httpStatusCode: 500 },
    });
    expect(received).toHaveLength(3);
  });

  it("does not retry a client error", async () => {
    const failure = post("conn-forbidden", [{ status: 403, type: "ForbiddenException" }]);

    await expect(failure).rejects.toMatchObject({
      name: "ForbiddenException",
      $metadata: { httpStatusCode: 403 },
    });
    expect(received).toHaveLength(1);
  });
});
