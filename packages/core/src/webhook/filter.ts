// No runtime imports (like `../table-definition.ts`): the route table and infra read this.

/**
 * The integrations consumer's event source filters (Lambda filter-pattern syntax; a record passing any of them is
 * delivered): INSERTs of the rows that make events (messages, members, rooms), and REMOVEs of member rows. The
 * stream view is NEW_IMAGE, so a REMOVE carries only its keys: member rows are told by their sort key's prefix.
 * Issue 13's events (`message.updated`/`deleted`, `reaction.*`) add their rows here when they are wired.
 */
export const integrationsFilters = [
  { eventName: ["INSERT"], dynamodb: { NewImage: { __edb_e__: { S: ["message", "member", "room"] } } } },
  { eventName: ["REMOVE"], dynamodb: { Keys: { sk: { S: [{ prefix: "$member_1#" }] } } } },
] as const;
