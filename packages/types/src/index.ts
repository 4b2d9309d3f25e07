export * from "./error";
export * from "./fields";
export * from "./health";
export * from "./limits";
export * from "./message";
export * from "./read";
export * from "./room";
export * from "./websocket";
