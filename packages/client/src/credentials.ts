import { UserId, Username } from "@chat/types";
import * as v from "valibot";
import type { ChatClientOptions } from "./client-options";
import { ChatError } from "./errors";
import { parseOrThrow } from "./validate";

const Identity = v.object({ userId: UserId, username: Username });
const OptionalIdentity = v.object({ userId: v.optional(UserId), username: v.optional(Username) });

type Claims = { sub?: unknown; name?: unknown; preferred_username?: unknown };

/**
 * What a token says of its user, read without verifying it (the API verifies it): the subject and display name,
 * to know who "I" am. Empty when it cannot be read.
 */
const claimsOf = (token: string): Claims => {
  try {
    const payload = token.split(".")[1] ?? "";
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))),
    );
    return typeof claims === "object" && claims !== null ? claims : {};
  } catch {
    return {};
  }
};

/** A claim as the API would take it for a display name (trimmed, at most 50 characters), or undefined. */
const nameClaim = (claim: unknown): string | undefined => {
  if (typeof claim !== "string") return undefined;
  const parsed = v.safeParse(Username, [...claim.trim()].slice(0, 50).join(""));
  return parsed.success ? parsed.output : undefined;
};

/** A header value fetch accepts everywhere: printable ASCII (a name beyond it is left to the API's default). */
const asciiHeader = (value: string | undefined): string | undefined =>
  value !== undefined && /^[\x20-\x7e]*$/.test(value) ? value : undefined;

/**
 * Who a client is: the identity its options give, and its token (a string, or a provider asked anew after a 401
 * and before every (re)connect) with what the newest one says of its user. Checked when made: a bad token option
 * is a `TypeError`, a bad identity a 400 `ChatApiError`.
 */
export class Credentials {
  /** The user id and name the options gave, validated. */
  readonly given: { userId?: string | undefined; username?: string | undefined };
  readonly #token: ChatClientOptions["token"];
  /** The newest token's claims. */
  #claims: Claims = {};
  /** The provider's latest token, shared by concurrent calls. */
  #pending: Promise<string> | undefined;

  constructor({ token, userId, username }: Pick<ChatClientOptions, "token" | "userId" | "username">) {
    if (token !== undefined && typeof token !== "function" && (typeof token !== "string" || token === "")) {
      throw new TypeError("`token` must be a non-empty string or a function returning one");
    }
    this.given = parseOrThrow(
      token === undefined ? Identity : OptionalIdentity,
      { userId, username },
      "Invalid identity",
    );
    this.#token = token;
  }

  /** With a token at all. */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** With a token provider, that a refused token may be replaced by asking it again. */
  get refreshable(): boolean {
    return typeof this.#token === "function";
  }

  /** The user: as given, else (with a token) the token's subject once a token has been read; undefined until then. */
  get userId(): string | undefined {
    const { sub } = this.#claims;
    return this.given.userId ?? (typeof sub === "string" && sub !== "" ? sub : undefined);
  }

  /** The display name (trimmed, as the API stores it): the token's `name` or `preferred_username`, else as given. */
  get username(): string | undefined {
    const { name, preferred_username } = this.#claims;
    return nameClaim(name) ?? nameClaim(preferred_username) ?? this.given.username;
  }

  /** That the token read last names another user than the `userId` given (the API refuses such a caller). */
  get namesSomeoneElse(): boolean {
    const { sub } = this.#claims;
    const { userId } = this.given;
    return userId !== undefined && typeof sub === "string" && sub !== userId;
  }

  /** This user's id, needed by calls about oneself; with a token, known once the token has been read. */
  async me(): Promise<string> {
    // With a token provider, the token names the user: read one first.
    await this.bearer();
    const { userId } = this;
    if (userId === undefined)
      throw new ChatError("Who this user is is not known yet: no token has been read");
    return userId;
  }

  /** Without a token, who calls: a request without a body names its caller by these headers. */
  callerHeaders(): Record<string, string> {
    const { userId, username } = this.given;
    const name = asciiHeader(username);
    return {
      ...(userId !== undefined && { "x-user-id": userId }),
      ...(name !== undefined && { "x-user-name": name }),
    };
  }

  /** The token to send: the string, or the provider's latest (`fresh`: ask it anew); undefined without one. */
  async bearer(fresh = false): Promise<string | undefined> {
    const option = this.#token;
    if (option === undefined) return undefined;
    if (typeof option === "string") return this.#read(option);
    if (fresh || !this.#pending) {
      const pending = (async () => {
        let token: unknown;
        try {
          token = await option();
        } catch (cause) {
          throw new ChatError(`The token provider failed: ${String(cause)}`, { cause });
        }
        if (typeof token !== "string" || token === "") {
          throw new ChatError("The token provider must return a non-empty string");
        }
        return token;
      })();
      this.#pending = pending;
      // A failure is not remembered: the next call asks again.
      pending.catch(() => {
        if (this.#pending === pending) this.#pending = undefined;
      });
    }
    return this.#read(await this.#pending);
  }

  #read(token: string): string {
    this.#claims = claimsOf(token);
    return token;
  }
}
