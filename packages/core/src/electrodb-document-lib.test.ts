import * as DocumentLib from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import * as HandOver from "./electrodb-document-lib";

// The module ElectroDB requires in a deployed bundle instead of @aws-sdk/lib-dynamodb (infra/esbuild-plugins.mjs;
// infra's bundle test sends and reads through it on DynamoDB Local). Here: its commands are the library's.
describe("the document library handed over to ElectroDB", () => {
  it("refuses to build a command before the library is handed over, saying why", () => {
    expect(() => new HandOver.GetCommand({ TableName: "t", Key: { pk: "a" } })).toThrow(
      "GetCommand before @aws-sdk/lib-dynamodb was loaded",
    );
  });

  it("builds each of ElectroDB's commands as the library's own, with the input given", () => {
    HandOver.provideDocumentLib(DocumentLib);
    const input = { TableName: "t", Key: { pk: "a" } };
    const get = new HandOver.GetCommand(input);
    expect(get).toBeInstanceOf(DocumentLib.GetCommand);
    expect(get.input).toEqual(input);
    const commands = Object.entries({ ...HandOver }).filter(([name]) => name.endsWith("Command"));
    const library: Record<string, unknown> = { ...DocumentLib };
    expect(commands).toHaveLength(10);
    for (const [name, Command] of commands) {
      const built = new (Command as new (input: object) => object)({});
      expect(built, name).toBeInstanceOf(library[name] as new () => unknown);
    }
  });
});
