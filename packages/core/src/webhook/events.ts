import { createHash } from "node:crypto";
import type { WebhookEventData, WebhookEventType } from "@chat/types";
import { MemberEntity, toMember } from "../member/member-entity";
import { changeOf, fromStreamImage, type MessageChange } from "../message/stream-image";
import { publicRoom, toRoom } from "../room/access";
import { RoomEntity } from "../room/room-entity";

/** One stream record, unmarshalled: what every event mapping reads. */
export interface StreamChange {
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  /** The stream record's `eventID`: the same when the stream delivers the record again. */
  eventId: string;
  /** The item's keys (`pk`, `sk`). */
  keys: Record<string, unknown>;
  /** The item after the change (absent on REMOVE). */
  newImage: Record<string, unknown> | undefined;
  /** The item before the change (absent on INSERT; the stream view is NEW_AND_OLD_IMAGES). */
  oldImage?: Record<string, unknown> | undefined;
  /** When the change happened, ISO-8601 (the record's approximate creation time). */
  at: string;
}

/** A webhook event: what is POSTed to each endpoint that wants its type. */
export interface WebhookEventOf<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  createdAt: string;
  data: WebhookEventData<T>;
}

/** Maps a stream record to one event type's `data`, or null when the record is not an event of that type. */
export type EventMapping<T extends WebhookEventType> = (change: StreamChange) => WebhookEventData<T> | null;

const entityOf = (change: StreamChange) => change.newImage?.__edb_e__;

const MEMBER_KEYS = { pk: /^\$chat#roomId_(.+)$/, sk: /^\$member_1#userId_(.+)$/ };

/** What a MODIFY of a message row changed (an edit, a delete, a reaction), as the broadcaster reads it; else null. */
const messageChange = (change: StreamChange): MessageChange | null => {
  if (change.eventName !== "MODIFY" || entityOf(change) !== "message") return null;
  const changed = changeOf(change.eventName, change.newImage, change.oldImage);
  return changed === "invalid" || changed === "unchanged" ? null : changed;
};

const reactionEvent = (change: StreamChange, event: "added" | "removed") => {
  const changed = messageChange(change);
  if (changed?.type !== "reaction" || changed.frame.event !== event) return null;
  const { roomId, messageId, emoji, userId } = changed.frame;
  return { roomId, messageId, emoji, userId };
};

/**
 * Each event type's mapping: ONE function from a stream record to its `data`. Edits, deletes and reactions are
 * MODIFYs of the message row, told apart by `Message.changeOf` exactly as the broadcaster tells its frames apart.
 */
export const eventMappings: { readonly [T in WebhookEventType]: EventMapping<T> | null } = {
  "message.created": (change) => {
    if (change.eventName !== "INSERT" || entityOf(change) !== "message" || !change.newImage) return null;
    const message = fromStreamImage(change.newImage);
    return message && { message };
  },
  "message.updated": (change) => {
    const changed = messageChange(change);
    return changed?.type === "message.updated" ? { message: changed.message } : null;
  },
  "message.deleted": (change) => {
    const changed = messageChange(change);
    return changed?.type === "message.deleted" ? { message: changed.message } : null;
  },
  "reaction.added": (change) => reactionEvent(change, "added"),
  "reaction.removed": (change) => reactionEvent(change, "removed"),
  "member.added": (change) => {
    if (change.eventName !== "INSERT" || entityOf(change) !== "member" || !change.newImage) return null;
    const { data } = MemberEntity.parse({ Item: change.newImage });
    return data ? { roomId: data.roomId, member: toMember(data, false) } : null;
  },
  "member.removed": (change) => {
    if (change.eventName !== "REMOVE") return null;
    const roomId = MEMBER_KEYS.pk.exec(String(change.keys.pk))?.[1];
    const userId = MEMBER_KEYS.sk.exec(String(change.keys.sk))?.[1];
    return roomId && userId ? { roomId, userId } : null;
  },
  "room.created": (change) => {
    if (change.eventName !== "INSERT" || entityOf(change) !== "room" || !change.newImage) return null;
    const { data } = RoomEntity.parse({ Item: change.newImage });
    return data ? { room: publicRoom(toRoom(data)) } : null;
  },
};

/**
 * A stable event id: the same stream record (redelivered by a retry) gives the same id, so a receiver dedups by
 * `webhook-id`. Distinct per type, should one record ever map to two.
 */
export const eventId = (type: WebhookEventType, streamEventId: string): string =>
  `evt_${createHash("sha256").update(`${type}:${streamEventId}`).digest("base64url").slice(0, 27)}`;

/** Every event a stream record makes (usually none or one). */
export const eventsOf = (change: StreamChange): WebhookEventOf[] => {
  const events: WebhookEventOf[] = [];
  for (const type of Object.keys(eventMappings) as WebhookEventType[]) {
    const data = (eventMappings[type] as EventMapping<typeof type> | null)?.(change);
    if (data)
      events.push({ id: eventId(type, change.eventId), type, createdAt: change.at, data } as WebhookEventOf);
  }
  return events;
};
