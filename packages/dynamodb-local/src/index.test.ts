import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "./index";

const START_TIMEOUT_MS = 60_000;

function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

function createTable(client: DynamoDBClient, name: string, withStream = false) {
  return client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
      ...(withStream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } } : {}),
    }),
  );
}

/** Local addresses of the sockets listening on `port`, read from the kernel's tables (IPv4 and IPv6). */
async function listeningAddresses(port: number): Promise<string[]> {
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  const addresses: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const rows = (await readFile(table, "utf8")).trim().split("\n").slice(1);
    for (const row of rows) {
      const [, local, , state] = row.trim().split(/\s+/);
      const [addressHex, localPortHex] = (local ?? "").split(":");
      // 0A is TCP_LISTEN.
      if (state === "0A" && localPortHex === portHex && addressHex) addresses.push(decodeAddress(addressHex));
    }
  }
  return addresses;
}

/** /proc/net/tcp prints an IPv4 address as one little-endian hex word; IPv6 stays raw hex. */
function decodeAddress(hex: string): string {
  if (hex.length !== 8) return `ipv6:${hex}`;
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .map((byte) => Number.parseInt(byte, 16))
    .reverse()
    .join(".");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startDynamoDbLocal (in memory)", () => {
  let dynamo: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    client = clientFor(dynamo.endpoint);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  it("answers ListTables on a loopback endpoint", async () => {
    expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
    const result = await client.send(new ListTablesCommand({}));
    expect(result.TableNames).toEqual([]);
  });

  it("listens on 127.0.0.1 only", async () => {
    expect(await listeningAddresses(dynamo.port)).toEqual(["127.0.0.1"]);
  });

  it("stores and reads items", async () => {
    await createTable(client, "items");
    await client.send(new PutItemCommand({ TableName: "items", Item: { pk: { S: "a" }, n: { N: "1" } } }));
    const result = await client.send(new GetItemCommand({ TableName: "items", Key: { pk: { S: "a" } } }));
    expect(result.Item).toEqual({ pk: { S: "a" }, n: { N: "1" } });
  });

  it("shares tables across credentials and regions", async () => {
    const other = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "AnotherKey", secretAccessKey: "x" },
    });
    try {
      const result = await other.send(new ListTablesCommand({}));
      expect(result.TableNames).toContain("items");
    } finally {
      other.destroy();
    }
  });

  it("creates tables with streams", async () => {
    const result = await createTable(client, "streamed", true);
    expect(result.TableDescription?.StreamSpecification?.StreamViewType).toBe("NEW_IMAGE");
    expect(result.TableDescription?.LatestStreamArn).toMatch(
      /^arn:aws:dynamodb:.+:table\/streamed\/stream\//,
    );
  });

  it("stop() ends the Java process and can be called again", async () => {
    const { pid } = dynamo;
    expect(isAlive(pid)).toBe(true);
    await Promise.all([dynamo.stop(), dynamo.stop()]);
    expect(() => process.kill(pid, 0)).toThrow();
    await dynamo.stop();
    expect(await listeningAddresses(dynamo.port)).toEqual([]);
  });
});

describe("startDynamoDbLocal (dataDir)", () => {
  let dataRoot: string;

  beforeAll(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), "dynamodb-local-test-"));
  });

  afterAll(async () => {
    await rm(dataRoot, { recursive: true, force: true });
  });

  it(
    "keeps data across a stop and a start",
    async () => {
      // A directory that does not exist yet: startDynamoDbLocal creates it.
      const dataDir = join(dataRoot, "db");
      const first = await startDynamoDbLocal({ dataDir });
      const firstClient = clientFor(first.endpoint);
      try {
        await createTable(firstClient, "durable");
        await firstClient.send(new PutItemCommand({ TableName: "durable", Item: { pk: { S: "kept" } } }));
      } finally {
        firstClient.destroy();
        await first.stop();
      }

      const second = await startDynamoDbLocal({ dataDir });
      const secondClient = clientFor(second.endpoint);
      try {
        const result = await secondClient.send(
          new GetItemCommand({ TableName: "durable", Key: { pk: { S: "kept" } } }),
        );
        expect(result.Item).toEqual({ pk: { S: "kept" } });
      } finally {
        secondClient.destroy();
        await second.stop();
      }
    },
    2 * START_TIMEOUT_MS,
  );
});

describe("startDynamoDbLocal (failures)", () => {
  it(
    "rejects at once when the port is taken, with the server's output",
    async () => {
      const running = await startDynamoDbLocal();
      try {
        const started = Date.now();
        await expect(startDynamoDbLocal({ port: running.port })).rejects.toThrow(
          /exited before it was ready[\s\S]*Address already in use/,
        );
        expect(Date.now() - started).toBeLessThan(15_000);
      } finally {
        await running.stop();
      }
    },
    2 * START_TIMEOUT_MS,
  );

  it("says what to install on each system when java is not on PATH", async () => {
    const { PATH: path, JAVA_HOME: javaHome } = process.env;
    process.env.PATH = "/nonexistent";
    delete process.env.JAVA_HOME;
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /no `java` on PATH[\s\S]*Java 17 or later[\s\S]*apt-get install openjdk-17-jre-headless[\s\S]*brew install openjdk@17[\s\S]*winget install Microsoft\.OpenJDK\.17/,
      );
    } finally {
      process.env.PATH = path;
      if (javaHome !== undefined) process.env.JAVA_HOME = javaHome;
    }
  });

  it("runs the java of JAVA_HOME when it is set, and says so when it has none", async () => {
    const javaHome = process.env.JAVA_HOME;
    process.env.JAVA_HOME = "/nonexistent-java-home";
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /no `java` on JAVA_HOME \(\/nonexistent-java-home\)/,
      );
    } finally {
      if (javaHome === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = javaHome;
    }
  });
});

describe("startDynamoDbLocal (the launcher, compiled once)", () => {
  let cacheRoot: string;

  beforeAll(async () => {
    cacheRoot = await mkdtemp(join(tmpdir(), "dynamodb-local-launcher-"));
  });

  afterAll(async () => {
    await rm(cacheRoot, { recursive: true, force: true });
  });

  /** The Java command line of a running server. */
  const commandLine = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");

  it(
    "compiles it once for starts at the same time, and later starts run the cached class",
    async () => {
      const launcherCacheDir = join(cacheRoot, "cache");

      const together = await Promise.all([1, 2, 3].map(() => startDynamoDbLocal({ launcherCacheDir })));
      try {
        for (const dynamo of together) {
          const client = clientFor(dynamo.endpoint);
          await client.send(new ListTablesCommand({}));
          client.destroy();
          expect(await commandLine(dynamo.pid)).toContain("LocalDynamo");
          expect((await commandLine(dynamo.pid)).some((arg) => arg.endsWith(".java"))).toBe(false);
        }
      } finally {
        await Promise.all(together.map((dynamo) => dynamo.stop()));
      }
      const entries = await readdir(launcherCacheDir);
      expect(entries).toHaveLength(1);
      const compiled = join(launcherCacheDir, entries[0] ?? "", "LocalDynamo.class");
      const compiledAt = (await stat(compiled)).mtimeMs;

      const later = await startDynamoDbLocal({ launcherCacheDir });
      await later.stop();

      expect(await readdir(launcherCacheDir)).toEqual(entries);
      expect((await stat(compiled)).mtimeMs).toBe(compiledAt);
    },
    3 * START_TIMEOUT_MS,
  );

  it(
    "runs the source file when it cannot keep a compiled class",
    async () => {
      const notADirectory = join(cacheRoot, "file");
      await writeFile(notADirectory, "");

      const dynamo = await startDynamoDbLocal({ launcherCacheDir: join(notADirectory, "cache") });
      try {
        const client = clientFor(dynamo.endpoint);
        await client.send(new ListTablesCommand({}));
        client.destroy();
        expect((await commandLine(dynamo.pid)).some((arg) => arg.endsWith("LocalDynamo.java"))).toBe(true);
      } finally {
        await dynamo.stop();
      }
    },
    START_TIMEOUT_MS,
  );
});
