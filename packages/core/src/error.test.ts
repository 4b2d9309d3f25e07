import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { AppError, storage, toStorageError } from "./error";

const awsError = (name: string, fault: "client" | "server", status: number) =>
  Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe("toStorageError", () => {
  it.each([
    ["ThrottlingException", "client", 400],
    ["ProvisionedThroughputExceededException", "client", 400],
    ["InternalServerError", "server", 500],
  ] as const)("maps %s to unavailable", (name, fault, status) => {
    expect(toStorageError(awsError(name, fault, status)).code).toBe("unavailable");
  });

  it("maps a malformed request to internal, looking through ElectroDB's wrapper", () => {
    // ElectroDB wraps AWS errors this way: its own error, with the original as `cause`.
    const wrapped = Object.assign(
      new Error("wrapped", { cause: awsError("ValidationException", "client", 400) }),
      {
        name: "ElectroError",
      },
    );

    const error = toStorageError(wrapped);

    expect(error.code).toBe("internal");
    expect(error.message).not.toContain("ValidationException");
  });

  it("keeps an AppError as it is", () => {
    const error = new AppError("validation_failed", "bad");
    expect(toStorageError(error)).toBe(error);
  });
});

describe("storage", () => {
  it("turns an unreachable DynamoDB into unavailable, quickly", async () => {
    // Port 9 on loopback: nothing listens there, so the connection is refused.
    const client = new DynamoDBClient({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 });

    const result = storage(() => client.send(new ListTablesCommand({})));

    await expect(result).rejects.toMatchObject({ name: "AppError", code: "unavailable" });
    client.destroy();
  });
});
