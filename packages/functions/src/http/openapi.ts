import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import document from "../openapi/openapi.json" with { type: "json" };

export const operation = {
  operationId: "openApi",
  summary: "This document",
  responses: {
    200: {
      schema: v.looseObject({ openapi: v.string(), paths: v.record(v.string(), v.unknown()) }),
      description: "The OpenAPI 3.1 document of the API",
    },
  },
} as const satisfies Operation;

/** `GET /openapi.json`: the document generated from the schemas at build time (see `openapi/document.ts`). */
export const handler = http(operation, async () => ({ status: 200, body: document }));
