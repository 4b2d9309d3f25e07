import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { Message } from "@chat/core";
import { client, documentClient, tableName } from "@chat/core/dynamo";
import { type CapacityUse, meterCapacity } from "../lib/capacity";
import { createTable } from "../lib/table";

// The writes of messages that live (edit, delete, a reaction added and removed), each made by the core call its
// route makes, with the capacity DynamoDB Local reports; on a table of their own.

// No stream: this host calls its handlers directly (a stream makes every request of DynamoDB Local slower, see createTable).
await createTable(tableName(), { stream: false });
const meter = meterCapacity(client);

type Measured = { uses: CapacityUse[]; messageBytes: number };

/** The message row's size as DynamoDB counts it, roughly: names and values in UTF-8 (what a write is billed by). */
const rowBytes = async (roomId: string, id: string): Promise<number> => {
  const { Item } = await documentClient.send(
    new GetCommand(Message.MessageEntity.get({ roomId, id }).params()),
  );
  return Buffer.byteLength(JSON.stringify(Item ?? {}));
};

const measured = async (roomId: string, id: string, write: () => Promise<unknown>): Promise<Measured> => {
  meter.take();
  await write();
  const uses = meter.take();
  return { uses, messageBytes: await rowBytes(roomId, id) };
};

/** Each write once, on a fresh message: edit, a first reaction, a second user's, its removal, the delete. */
export const writes = async ({ roomId }: { roomId: string }) => {
  const { message } = await Message.send({
    roomId,
    userId: "author",
    username: "Author",
    text: "a message to change",
  });
  const reaction = (userId: string) => ({
    roomId,
    messageId: message.id,
    emoji: "👍",
    userId,
    username: userId,
  });
  const caller = { userId: "author", username: "Author", admin: false };
  return {
    edit: await measured(roomId, message.id, () =>
      Message.edit(roomId, message.id, "author", "an edited message"),
    ),
    firstReaction: await measured(roomId, message.id, () => Message.Reaction.add(reaction("fan-1"))),
    reaction: await measured(roomId, message.id, () => Message.Reaction.add(reaction("fan-2"))),
    removal: await measured(roomId, message.id, () => Message.Reaction.remove(reaction("fan-2"))),
    delete: await measured(roomId, message.id, () => Message.remove(roomId, message.id, caller)),
  };
};
