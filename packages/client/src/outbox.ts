import type { ChatMessage, ClientFrame } from "@chat/types";
import type { ChatError } from "./errors";
import { newClientMessageId } from "./ids";
import type { RestApi } from "./rest-api";
import type { Timers } from "./timers";
import { sendRequest } from "./validate";

/** A message sent through `send` that the room has not delivered yet. */
export interface PendingMessage {
  clientMessageId: string;
  roomId: string;
  /** The sender, as the client knows it: with a token, undefined until a token has been read. */
  userId: string | undefined;
  username: string | undefined;
  text: string;
  /** The message it replies to, if it is a reply. */
  parentId?: string;
  /** When it was sent, by this machine's clock. */
  createdAt: string;
  /** `sending` until stored (then a `message` event with the same `clientMessageId` replaces it), or `failed`. */
  state: "sending" | "failed";
  /** Why it failed; `retry(clientMessageId)` sends it again, safely. */
  error?: ChatError;
}

export interface OutboxOptions {
  sendOver: "socket" | "rest";
  ackTimeoutMs: number;
  confirmAfterMs: number;
}

/** What an {@link Outbox} asks of, and tells, its owner. */
export interface OutboxOwner {
  /** Sends a frame on the open socket; false when none is open. */
  sendFrame(frame: ClientFrame): boolean;
  /** A socket is open now. */
  socketOpen(): boolean;
  /** A send went pending, or failed. */
  pending(pending: PendingMessage): void;
  /** A send was stored `confirmAfterMs` ago: its push should have come by now. */
  confirm(message: ChatMessage): void;
  /** Closed for good: a failure is no longer reported. */
  closed(): boolean;
}

/** Thrown inside a socket send to say "post it over REST instead". */
class UseRest extends Error {}

/**
 * Pending sends: each is shown as pending at once, sent as a `send` frame that resolves on its `ack` (or over REST
 * when the socket is not open, closes first, or no ack comes in time: the same `clientMessageId` keeps that safe),
 * and done when the room delivers the stored message. A failed one is kept, to be retried with its id.
 */
export class Outbox {
  readonly #api: Pick<RestApi, "send" | "userId" | "username">;
  readonly #options: OutboxOptions;
  readonly #timers: Timers;
  readonly #owner: OutboxOwner;
  readonly #pending = new Map<string, PendingMessage>();
  readonly #acks = new Map<
    string,
    { resolve: (message: ChatMessage) => void; reject: (error: unknown) => void }
  >();

  constructor(
    api: Pick<RestApi, "send" | "userId" | "username">,
    options: OutboxOptions,
    timers: Timers,
    owner: OutboxOwner,
  ) {
    this.#api = api;
    this.#options = options;
    this.#timers = timers;
    this.#owner = owner;
  }

  /** Sends a message to a (valid) room; a 400 `ChatApiError` for a bad one, unsent. */
  send(
    roomId: string,
    text: string,
    clientMessageId: string | undefined,
    parentId?: string | undefined,
  ): Promise<ChatMessage> {
    const request = sendRequest(this.#api, {
      text,
      clientMessageId: clientMessageId ?? newClientMessageId(),
      ...(parentId !== undefined && { parentId }),
    });
    return this.#post({
      clientMessageId: request.clientMessageId ?? newClientMessageId(),
      roomId,
      userId: request.userId,
      username: request.username,
      text: request.text,
      ...(request.parentId !== undefined && { parentId: request.parentId }),
      createdAt: new Date().toISOString(),
      state: "sending",
    });
  }

  /** Sends a failed pending message again, with its `clientMessageId`. */
  retry(clientMessageId: string): Promise<ChatMessage> {
    const pending = this.#pending.get(clientMessageId);
    if (!pending) return Promise.reject(new TypeError(`No pending message ${clientMessageId}`));
    const { error: _, ...rest } = pending;
    return this.#post({ ...rest, state: "sending" });
  }

  /** An `ack` frame: the send is stored. */
  acked(clientMessageId: string, message: ChatMessage): void {
    this.#acks.get(clientMessageId)?.resolve(message);
  }

  /** An `error` frame naming a `clientMessageId`: whether it was the answer to one of these sends. */
  refused(clientMessageId: string, error: ChatError): boolean {
    const ack = this.#acks.get(clientMessageId);
    ack?.reject(error);
    return ack !== undefined;
  }

  /** A message the room delivered: if it is one of this user's sends, it is no longer pending. */
  delivered(message: ChatMessage): void {
    if (message.clientMessageId !== null && message.userId === this.#api.userId) {
      this.#pending.delete(message.clientMessageId);
    }
  }

  /** The socket is gone: sends waiting for an ack go over REST, with their ids. */
  socketGone(): void {
    for (const ack of [...this.#acks.values()]) ack.reject(new UseRest());
  }

  async #post(pending: PendingMessage): Promise<ChatMessage> {
    this.#pending.set(pending.clientMessageId, pending);
    this.#owner.pending(pending);
    try {
      const message = await this.#store(pending);
      // The push normally delivers it; if it never comes (a lost connection), the owner catches up rather than wait.
      this.#timers.after(this.#options.confirmAfterMs, () => this.#owner.confirm(message));
      return message;
    } catch (error) {
      const failed: PendingMessage = { ...pending, state: "failed", error: error as ChatError };
      if (!this.#owner.closed()) {
        this.#pending.set(failed.clientMessageId, failed);
        this.#owner.pending(failed);
      }
      throw error;
    }
  }

  async #store({ roomId, text, clientMessageId, parentId }: PendingMessage): Promise<ChatMessage> {
    const reply = parentId === undefined ? {} : { parentId };
    if (this.#options.sendOver === "socket" && this.#owner.socketOpen()) {
      try {
        return await this.#sendOverSocket(roomId, text, clientMessageId, reply);
      } catch (error) {
        if (!(error instanceof UseRest)) throw error;
      }
    }
    return this.#api.send(roomId, { text, clientMessageId, ...reply });
  }

  #sendOverSocket(
    roomId: string,
    text: string,
    clientMessageId: string,
    reply: { parentId?: string },
  ): Promise<ChatMessage> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.#timers.cancel(timer);
        this.#acks.delete(clientMessageId);
      };
      // No ack in time (a refusal that could not name the send, or a socket gone quiet): REST, with the same id.
      const timer = this.#timers.after(this.#options.ackTimeoutMs, () => {
        settle();
        reject(new UseRest());
      });
      this.#acks.set(clientMessageId, {
        resolve: (message) => {
          settle();
          resolve(message);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (!this.#owner.sendFrame({ type: "send", roomId, text, clientMessageId, ...reply }))
        this.#acks.get(clientMessageId)?.reject(new UseRest());
    });
  }
}
