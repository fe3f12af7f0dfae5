// Small builders for planner fixtures.
import { passwordFingerprint } from "../../src/reconcile/core/fingerprint";
import { keyDigest } from "../../src/reconcile/core/key-digest";
import { MARKER_KEY } from "../../src/reconcile/core/marker";
import {
  DesiredIdentity,
  DesiredSet,
  IdentityBody,
  KeySpec,
  LiveIdentity,
  Secret,
} from "../../src/reconcile/core/types";

/** The key spec `traits.email`, which `set` uses by default. */
export const EMAIL_KEY: KeySpec = { kind: "trait", path: ["email"] };

let counter = 0;

export function desired(
  email: string,
  body: Partial<IdentityBody> = {},
  extra: Partial<DesiredIdentity> = {},
): DesiredIdentity {
  return {
    key: email,
    body: { traits: { email }, ...body, ...(body.traits ? { traits: body.traits } : {}) },
    ...extra,
  };
}

export function set(name: string, identities: DesiredIdentity[], options: Partial<DesiredSet> = {}): DesiredSet {
  return { name, key: { kind: "trait", path: ["email"] }, prune: false, identities, ...options };
}

export function live(email: string, fields: Partial<LiveIdentity> = {}): LiveIdentity {
  counter++;
  return {
    id: fields.id ?? `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    schema_id: "default",
    schema_url: "http://127.0.0.1:4433/schemas/ZGVmYXVsdA",
    state: "active",
    traits: { email },
    metadata_public: null,
    metadata_admin: null,
    created_at: "2026-11-22T10:00:00Z",
    updated_at: "2026-11-22T10:00:00Z",
    verifiable_addresses: [
      {
        id: `va-${counter}`,
        value: email.toLowerCase(),
        via: "email",
        verified: false,
        status: "pending",
        created_at: "2026-11-22T10:00:00Z",
      },
    ],
    recovery_addresses: [{ id: `ra-${counter}`, value: email.toLowerCase(), via: "email" }],
    credentials: { password: { type: "password", identifiers: [email.toLowerCase()], version: 0 } },
    ...fields,
  };
}

/**
 * A live identity managed by `setName` (marker in metadata_admin, merged with `userAdmin`), its marker written for
 * the key `markedKey` under `spec` (default: `email` under traits.email; `markedKey: null` writes a marker of the form
 * before key digests existed).
 */
export function managed(
  setName: string,
  email: string,
  fields: Partial<LiveIdentity> = {},
  userAdmin: object = {},
  password?: string,
  markedKey: string | null = email,
  spec: KeySpec = EMAIL_KEY,
): LiveIdentity {
  const marker: Record<string, string> = { set: setName };
  if (markedKey !== null) marker.key = keyDigest(markedKey, spec);
  if (password) marker.password = password;
  return live(email, { ...fields, metadata_admin: { ...userAdmin, [MARKER_KEY]: marker } });
}

/** An `enforce` password with its current fingerprint (`_setName`: fingerprints no longer depend on the set). */
export function enforcedPassword(_setName: string, key: string, value: string) {
  return {
    kind: "password" as const,
    value: new Secret(value),
    policy: "enforce" as const,
    fingerprint: passwordFingerprint(key, value, ""),
  };
}
