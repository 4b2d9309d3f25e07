// No runtime imports (like `../table-definition.ts`): the route table and infra read this.

/**
 * The integrations consumer's event source filters (Lambda filter-pattern syntax; a record passing any of them is
 * delivered): INSERTs of the rows that make events (messages, members, rooms), MODIFYs of message rows (edits,
 * deletes, reactions), and REMOVEs of member rows, told by their sort key's prefix.
 */
export const integrationsFilters = [
  { eventName: ["INSERT"], dynamodb: { NewImage: { __edb_e__: { S: ["message", "member", "room"] } } } },
  { eventName: ["MODIFY"], dynamodb: { NewImage: { __edb_e__: { S: ["message"] } } } },
  { eventName: ["REMOVE"], dynamodb: { Keys: { sk: { S: [{ prefix: "$member_1#" }] } } } },
] as const;
