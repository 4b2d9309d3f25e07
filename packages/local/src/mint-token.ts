import { parseArgs } from "node:util";

// `pnpm mint-token <userId> [--name "Alice"] [--admin] [--expires-in 1h]`: asks the running `pnpm dev` stack's
// development issuer for a token (`name` and `chat_admin` claims as given).
const usage =
  'usage: pnpm mint-token <userId> [--name "Display Name"] [--admin] [--expires-in <seconds, or 30m, 1h... at most 24h>]';

const parsed = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        name: { type: "string" },
        admin: { type: "boolean" },
        "expires-in": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(1);
  }
})();
const [userId, positionalExpiresIn] = parsed.positionals;
if (!userId || parsed.values.help) {
  console.error(usage);
  process.exit(parsed.values.help ? 0 : 1);
}
// expiresIn: seconds ("3600") or a duration ("30m", "1h"), at most 24 h; a second positional still works.
const expiresIn = parsed.values["expires-in"] ?? positionalExpiresIn;
const issuer = `http://127.0.0.1:${process.env.CHAT_WS_PORT || 3001}`;
const response = await fetch(`${issuer}/dev/token`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    userId,
    ...(parsed.values.name !== undefined && { name: parsed.values.name }),
    ...(parsed.values.admin && { admin: true }),
    ...(expiresIn && { expiresIn: /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn }),
  }),
}).catch(() => null);
if (!response?.ok) {
  console.error(
    `No token from ${issuer}: is \`pnpm dev\` running? (${response ? await response.text() : "unreachable"})`,
  );
  process.exit(1);
}
console.log(((await response.json()) as { token: string }).token);
