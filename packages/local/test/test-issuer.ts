import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/** An identity provider's token, as it would sign it: claims, and optionally another header or key id. */
export interface ProviderToken {
  claims: Record<string, unknown>;
  /** `null`: no `kid` in the header. */
  kid?: string | null;
  alg?: "RS256" | "RS512";
}

/**
 * A stand-in identity provider on loopback (jose signs; http is trusted there only): an OIDC discovery document at
 * `<issuer>/.well-known/openid-configuration` whose `jwks_uri` is `<issuer><keysPath>`, the way a real provider lays
 * them out (Okta: `/v1/keys`; Cognito: `/.well-known/jwks.json`). Every other path is 404, and every request is
 * counted by path.
 */
export const startTestIssuer = async ({ issuerPath, keysPath }: { issuerPath: string; keysPath: string }) => {
  const rs256 = await generateKeyPair("RS256");
  const rs512 = await generateKeyPair("RS512");
  const keys = {
    keys: [
      { ...(await exportJWK(rs256.publicKey)), kid: "rs256", alg: "RS256", use: "sig" },
      { ...(await exportJWK(rs512.publicKey)), kid: "rs512", alg: "RS512", use: "sig" },
    ],
  };
  const requests = new Map<string, number>();
  let issuer = "";
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const json = (body: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (path === `${issuerPath}/.well-known/openid-configuration`) {
      return json({
        issuer,
        jwks_uri: `${issuer}${keysPath}`,
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (path === `${issuerPath}${keysPath}`) return json(keys);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${issuerPath}`;

  const sign = ({ claims, kid, alg = "RS256" }: ProviderToken) => {
    const keyId = kid === undefined ? (alg === "RS256" ? "rs256" : "rs512") : kid;
    return new SignJWT(claims)
      .setProtectedHeader({ alg, typ: "JWT", ...(keyId !== null && { kid: keyId }) })
      .sign(alg === "RS256" ? rs256.privateKey : rs512.privateKey);
  };

  return {
    issuer,
    sign,
    /** How many requests reached a path (below the server's root, issuer path included). */
    requestsTo: (path: string) => requests.get(path) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
