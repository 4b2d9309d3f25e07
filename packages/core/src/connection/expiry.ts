import { Limits } from "@chat/types";
import { epochSeconds } from "../entity";

/** Every row of a connection expires (TTL) a while after API Gateway's 2-hour cap, in case `$disconnect` never runs. */
export const connectionExpiry = (now = new Date()): number => epochSeconds(now) + Limits.connectionTtlSeconds;
