export * from "./error";
export * from "./fields";
export * from "./health";
export * from "./limits";
export * from "./message";
export * from "./reaction";
export * from "./room";
export * from "./websocket";
