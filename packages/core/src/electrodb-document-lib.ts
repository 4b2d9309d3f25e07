import type * as DocumentLib from "@aws-sdk/lib-dynamodb";

// What ElectroDB's `require("@aws-sdk/lib-dynamodb")` finds in a deployed bundle (infra/esbuild-plugins.mjs points it
// here). ElectroDB is CommonJS: were it to require the library itself, esbuild would wrap the library and everything
// it imports as lazily initialised modules, the whole DynamoDB client package with them, and a handler's init, which
// imports the client, would then run every command, waiter and schema of that package (~25 ms of CPU at cold init).
// ElectroDB only ever constructs the ten commands below, when it sends one: each is forwarded to the library that
// dynamo.ts loads before the first invocation and hands over (`provideDocumentLib`). Outside a bundle (tests, the
// local stack) ElectroDB requires the library itself and this module is not used.

let library: typeof DocumentLib | undefined;

/** Hands over the loaded library (dynamo.ts does, as it loads it). */
export const provideDocumentLib = (loaded: typeof DocumentLib): void => {
  library = loaded;
};

type CommandName =
  | "GetCommand"
  | "PutCommand"
  | "UpdateCommand"
  | "DeleteCommand"
  | "BatchGetCommand"
  | "BatchWriteCommand"
  | "QueryCommand"
  | "ScanCommand"
  | "TransactGetCommand"
  | "TransactWriteCommand";

/** A class whose `new` builds the library's command of that name instead (a constructor may return another object). */
const forward = <Name extends CommandName>(name: Name): (typeof DocumentLib)[Name] =>
  class {
    constructor(input: unknown) {
      if (!library) {
        throw new Error(`${name} before @aws-sdk/lib-dynamodb was loaded: await beforeFirstUse() first`);
      }
      const Command = library[name] as new (input: unknown) => object;
      // biome-ignore lint/correctness/noConstructorReturn: the point of this class: `new` gives the library's command.
      return new Command(input);
    }
  } as unknown as (typeof DocumentLib)[Name];

export const GetCommand = forward("GetCommand");
export const PutCommand = forward("PutCommand");
export const UpdateCommand = forward("UpdateCommand");
export const DeleteCommand = forward("DeleteCommand");
export const BatchGetCommand = forward("BatchGetCommand");
export const BatchWriteCommand = forward("BatchWriteCommand");
export const QueryCommand = forward("QueryCommand");
export const ScanCommand = forward("ScanCommand");
export const TransactGetCommand = forward("TransactGetCommand");
export const TransactWriteCommand = forward("TransactWriteCommand");
