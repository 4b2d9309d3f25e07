export * from "./error";
export * from "./fields";
export * from "./health";
export * from "./integrations";
export * from "./limits";
export * from "./message";
export * from "./room";
export * from "./websocket";
