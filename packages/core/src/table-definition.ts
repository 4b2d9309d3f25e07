// No runtime imports here: SST evaluates `sst.config.ts` (which reads these through the route table) with the AWS SDK
// left external, and the SDK is not installed where that evaluation runs.

/**
 * The one table: key names, the GSI, the TTL attribute and the stream view. ElectroDB entities, `infra/` and the
 * local stack's CreateTable all read this definition.
 */
export const TableDefinition = {
  partitionKey: "pk",
  sortKey: "sk",
  globalIndexes: {
    /**
     * A room's connections, for the broadcaster; also the public rooms and a user's memberships. Its projection (an attribute list means INCLUDE, as SST's
     * `projection` takes it) holds just what a broadcast reads: a Query pays for the bytes of the index's items,
     * so whole rows would cost a third more to read, at every message.
     */
    gsi1: {
      partitionKey: "gsi1pk",
      sortKey: "gsi1sk",
      // Rooms by kind (`GET /rooms`) and a user's memberships (`GET /me/rooms`) are read from the index too: their
      // attributes are named so that connection rows carry none of them (rooms and members store their id as `room`).
      projection: [
        "connectionId",
        "connectedAt",
        "room",
        "kind",
        "name",
        "createdAt",
        "createdBy",
        "slowModeSeconds",
        "role",
      ],
    },
  },
  ttlAttribute: "expiresAt",
  // Both images: the broadcaster tells an edit, a delete and a reaction apart by comparing a message row's old and
  // new state, and ignores other changes to it (so one user action is one frame, whoever else writes the row).
  streamView: "NEW_AND_OLD_IMAGES",
} as const;

/**
 * The broadcaster's event source filter (Lambda filter-pattern syntax): INSERTs and MODIFYs of message items (new
 * messages; edits, deletes and reaction counts). ElectroDB marks every item with its entity name in `__edb_e__`.
 * Read by `infra/` and by the local stream poller.
 */
export const messageChangeFilter = {
  eventName: ["INSERT", "MODIFY"],
  dynamodb: { NewImage: { __edb_e__: { S: ["message"] } } },
} as const;
