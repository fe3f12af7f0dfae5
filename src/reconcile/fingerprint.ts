// A keyed, slow fingerprint of a declared password, kept in the ownership marker so that policy `enforce` can
// tell a changed declaration without ever reading a secret back from the server.
// scrypt(secret, salt = set/key [+ ORY_RECONCILE_FINGERPRINT_KEY]) — the salt binds it to one identity, the
// optional key makes it useless to anyone who does not hold it.
import { scryptSync } from "node:crypto";

const PARAMS = { N: 1 << 12, r: 8, p: 1 };

export function passwordFingerprint(set: string, key: string, secret: string, pepper = process.env.ORY_RECONCILE_FINGERPRINT_KEY ?? ""): string {
  const salt = `ory-reconcile:${set}/${key}:${pepper}`;
  return "s1:" + scryptSync(secret, salt, 18, PARAMS).toString("base64url");
}
