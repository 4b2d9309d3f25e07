import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const redocly = createRequire(import.meta.url).resolve("@redocly/cli/bin/cli.js");

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: {
    ruleId: string;
    severity: "error" | "warn";
    message: string;
    location: { pointer: string }[];
  }[];
}

/** `redocly lint` (the recommended rules, from redocly.yaml) of a document, as its JSON report. */
const lint = async (document: string): Promise<LintReport> => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [redocly, "lint", document, "--config", "redocly.yaml", "--format", "json"],
    {
      cwd: packageDir,
      // No usage reports and no update check: nothing leaves the machine.
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  return JSON.parse(stdout) as LintReport;
};

describe("redocly lint of the OpenAPI document", () => {
  it("finds no error in the committed document, and no warning but the schemas no route uses (WebSocket, Web Push)", async () => {
    const report = await lint("src/openapi/openapi.json");

    expect(report.problems.filter(({ severity }) => severity === "error")).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // The handshake query and the frames are referenced from `x-websocket`, an extension the linter does not follow;
    // the Web Push payload reaches browsers through their push service, not through a route of this API.
    expect(report.problems.map(({ ruleId, location }) => `${ruleId} ${location[0]?.pointer}`).sort()).toEqual(
      [
        "no-unused-components #/components/schemas/ClientFrame",
        "no-unused-components #/components/schemas/ConnectQuery",
        "no-unused-components #/components/schemas/PushPayload",
        "no-unused-components #/components/schemas/ServerFrame",
      ].sort(),
    );
  });

  it("reports errors in a document that breaks the recommended rules", async () => {
    const report = await lint("test/fixtures/unlinted-openapi.json");

    expect(report.totals.errors).toBeGreaterThan(0);
    expect(report.problems.map(({ ruleId }) => ruleId)).toEqual(
      expect.arrayContaining(["no-empty-servers", "security-defined"]),
    );
  });
});
