import { http } from "../edge/http";
import document from "../openapi/openapi.json" with { type: "json" };

/** `GET /openapi.json`: the document generated from the schemas at build time (see `openapi/document.ts`). */
export const handler = http({}, async () => ({ status: 200, body: document }));
