import { Entity, entityConfig, keys } from "../entity";

/**
 * `(roomId, userId, clientMessageId) -> messageId`, kept for 24 hours (TTL). Written in the same transaction as
 * the message, so a key never exists without its message.
 */
export const IdempotencyEntity = new Entity(
  {
    model: { entity: "idempotency", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      userId: { type: "string", required: true },
      clientMessageId: { type: "string", required: true },
      messageId: { type: "string", required: true },
      /** Epoch seconds; DynamoDB's TTL deletes the row some time after. */
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byKey: keys.primary(["roomId", "userId", "clientMessageId"], []),
    },
  },
  entityConfig(),
);
