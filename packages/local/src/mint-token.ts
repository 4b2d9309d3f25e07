// `pnpm mint-token <userId>`: asks the running `pnpm dev` stack's development issuer for a token.
const userId = process.argv[2];
if (!userId) {
  console.error("usage: pnpm mint-token <userId> [expiresIn: seconds or 30m, 1h... at most 24h]");
  process.exit(1);
}
const expiresIn = process.argv[3];
const issuer = `http://127.0.0.1:${process.env.CHAT_WS_PORT || 3001}`;
const response = await fetch(`${issuer}/dev/token`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  // expiresIn: seconds ("3600") or a duration ("30m", "1h"), at most 24 h.
  body: JSON.stringify({
    userId,
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
