import type { Ban as BanShape, Member, Role } from "@chat/types";
import { epochSeconds } from "../entity";
import { storage } from "../error";
import { assertFuture } from "../member";
import { toMember } from "../member/member-entity";
import { after, decodeCursor, type Page, type PageOptions, pageOf } from "../page";
import { accessOf, banInForce, load } from "../room/access";
import { membership, transact } from "../room/membership-service";
import { authorize, type Caller } from "../room/policy";
import { BanEntity, type BanItem } from "./ban-entity";

export { BanEntity, type BanItem } from "./ban-entity";

// TTL removes an ended ban a day after its end; until then reads leave it out.
const TTL_SLACK_SECONDS = 24 * 60 * 60;

const toBan = (item: BanItem): BanShape => ({
  userId: item.userId,
  reason: item.reason ?? null,
  until: item.until ?? null,
  bannedBy: item.bannedBy,
  bannedAt: item.bannedAt,
});

/** Reads the room, the caller and the target in one BatchGetItem (2.5 RCU) and applies the policy. */
const authorizeOn = async (action: "ban" | "unban", roomId: string, caller: Caller, userId: string) => {
  const loaded = await load(roomId, [caller.userId, userId]);
  const targetRow = loaded.members.get(userId);
  authorize(action, {
    ...accessOf(loaded, caller),
    caller,
    target: {
      userId,
      membership: targetRow ? { userId, role: targetRow.role as Role } : null,
      banned: banInForce(loaded.bans.get(userId), Date.now()),
    },
  });
  return { targetRow };
};

/**
 * Bans a user from a room until `until` (absent: until unbanned), removing their membership in the same
 * transaction: moderators and owners; not owners, and moderators not each other; not in direct rooms. A banned
 * user cannot rejoin, read, post or subscribe. The read (2.5 RCU), then a transaction: the ban row (2 WCU) and,
 * for a member, the member row's delete (2 WCU) and its `gsi1` entry (1 WCU): 2 or 5 WCU. Returns the member they
 * were, null if none (the caller then revokes their subscriptions with `Connection.revoke`).
 */
export const put = (
  roomId: string,
  caller: Caller,
  userId: string,
  { reason, until }: { reason?: string | undefined; until?: string | undefined } = {},
): Promise<{ member: Member | null }> =>
  storage(async () => {
    assertFuture(until, "until");
    const { targetRow } = await authorizeOn("ban", roomId, caller, userId);
    const wasMember = targetRow !== undefined;
    const row: BanItem = {
      roomId,
      userId,
      ...(reason !== undefined && { reason }),
      ...(until !== undefined && { until, expiresAt: epochSeconds(new Date(until)) + TTL_SLACK_SECONDS }),
      bannedBy: caller.userId,
      bannedAt: new Date().toISOString(),
    };
    await transact(() =>
      membership.transaction
        .write(({ ban, member }) => [
          ban.put(row).commit(),
          ...(wasMember ? [member.delete({ roomId, userId }).commit()] : []),
        ])
        .go(),
    );
    return { member: targetRow ? toMember(targetRow, false) : null };
  });

/** Lifts a ban (none is fine): moderators and owners. The read (2.5 RCU) and 1 WCU. */
export const remove = (roomId: string, caller: Caller, userId: string): Promise<void> =>
  storage(async () => {
    await authorizeOn("unban", roomId, caller, userId);
    await BanEntity.delete({ roomId, userId }).go({ response: "none" });
  });

/**
 * A page of the bans in force in a room, by user id: moderators and owners. The access read (1.5 RCU) and one
 * Query (0.5 RCU per 4 KB, about 20 bans); ended bans not yet removed by TTL are left out, so a page may be short.
 */
export const list = (
  roomId: string,
  caller: Caller,
  { limit, cursor }: PageOptions,
): Promise<Page<BanShape>> =>
  storage(async () => {
    const position = cursor === undefined ? undefined : decodeCursor(cursor, 1)[0];
    const loaded = await load(roomId, [caller.userId]);
    authorize("unban", { ...accessOf(loaded, caller), caller });
    const query = BanEntity.query.byRoom({ roomId });
    const [from, to] = after(position);
    const { data } = await (position === undefined
      ? query
      : query.between({ userId: from }, { userId: to })
    ).go({ limit: limit + 1 });
    const now = Date.now();
    const page = pageOf(data, limit, (row) => [row.userId]);
    return {
      items: page.items.filter((row) => banInForce(row, now)).map(toBan),
      nextCursor: page.nextCursor,
    };
  });
