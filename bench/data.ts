// The benchmark's data: one identity set `bench` keyed by email, as a manifest (for ory-reconcile) and as the exact
// JSON bodies ory-reconcile sends for it (for the importer and the raw baseline), so every tool writes the same.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MARKER_KEY } from "../src/reconcile/core/marker";
import type { LiveIdentity } from "../src/reconcile/core/types";

export const SET = "bench";

/** bcrypt (cost 10) of `bench-Password-1`, made once with bcryptjs: imported as is, the server hashes nothing. */
export const BCRYPT_HASH = "$2b$10$gxKHRztUDR5bR1aD7t13xu0UhdLGWxNw0KMFM45Cxz1MEhoTeWd4.";

/** The plaintext password of the `plaintext` variant (the server hashes it: bcrypt cost 4 on the throwaway Kratos). */
export const PLAINTEXT_PASSWORD = "bench-Password-1";

/** `plain`: no password; `hashed`: a bcrypt hash, imported as is; `plaintext`: a password the server hashes. */
export type Variant = "plain" | "hashed" | "plaintext";

export const email = (i: number) => `user-${i}@bench.test`;

function header(): string {
  return `apiVersion: ory-reconcile/v1\nkind: IdentitySet\nmetadata:\n  name: ${SET}\nspec:\n  key: traits.email\n`;
}

function credentialsYaml(variant: Variant, indent: string): string {
  if (variant === "hashed") return `${indent}credentials: { password: { hashed_password: "${BCRYPT_HASH}" } }\n`;
  if (variant === "plaintext") return `${indent}credentials: { password: { password: "${PLAINTEXT_PASSWORD}" } }\n`;
  return "";
}

/** `count` identities user-1 … user-count, written as one `generate` entry. */
export function seedManifest(count: number, variant: Variant): string {
  return `${header()}  generate:\n    - count: ${count}\n      template:\n        traits: { email: "user-{{i}}@bench.test" }\n${credentialsYaml(variant, "        ")}`;
}

export interface Drift {
  changed: number;
  deleted: number;
  added: number;
}

/** 1 % drift of `count` (at least one of each): traits changed, identities no longer declared, new identities. */
export function driftOf(count: number): Drift {
  return {
    changed: Math.max(1, Math.round(count / 100)),
    deleted: Math.max(1, Math.round(count / 500)),
    added: Math.max(1, Math.round(count / 500)),
  };
}

/**
 * The seeded set with drift: user-1 … user-(n-c-d) unchanged (generate), the next `changed` with a new trait
 * (explicit identities), the last `deleted` left out, and `added` new ones (a second generate entry).
 */
export function driftManifest(count: number, drift: Drift): string {
  const unchanged = count - drift.changed - drift.deleted;
  const changed = Array.from(
    { length: drift.changed },
    (_, k) => `    - traits: { email: "${email(unchanged + k + 1)}", name: { first: Changed } }\n`,
  ).join("");
  return (
    `${header()}  identities:\n${changed}` +
    `  generate:\n    - count: ${unchanged}\n      template:\n        traits: { email: "user-{{i}}@bench.test" }\n` +
    `    - count: ${drift.added}\n      template:\n        traits: { email: "new-{{i}}@bench.test" }\n`
  );
}

/** The create body ory-reconcile sends for identity `i` (see src/reconcile/core/bodies.ts `createBody`). */
export function createBody(i: number, variant: Variant): Record<string, unknown> {
  const body: Record<string, unknown> = {
    schema_id: "default",
    traits: { email: email(i) },
    state: "active",
    metadata_admin: { [MARKER_KEY]: { set: SET } },
  };
  if (variant === "hashed") body.credentials = { password: { config: { hashed_password: BCRYPT_HASH } } };
  if (variant === "plaintext") body.credentials = { password: { config: { password: PLAINTEXT_PASSWORD } } };
  return body;
}

export interface Inputs {
  manifest: string;
  importFile: string;
  batchesFile: string;
}

/**
 * Writes the three tools' inputs for `count` identities into `dir` (before any clock starts). `batchSize`: the raw
 * baseline's batches, all of this size (the last one what is left), or exactly these sizes.
 */
export function writeInputs(dir: string, count: number, variant: Variant, batchSize: number | number[]): Inputs {
  const bodies = Array.from({ length: count }, (_, k) => createBody(k + 1, variant));
  const sizes =
    typeof batchSize === "number"
      ? Array.from({ length: Math.ceil(count / batchSize) }, (_, i) => Math.min(batchSize, count - i * batchSize))
      : batchSize;
  if (sizes.reduce((a, b) => a + b, 0) !== count)
    throw new Error(`batch sizes ${sizes.join(",")} do not add up to ${count}`);
  const batches: unknown[] = [];
  let start = 0;
  for (const size of sizes)
    batches.push({
      identities: bodies.slice(start, (start += size)).map((create) => ({ patch_id: randomUUID(), create })),
    });
  const name = `${variant}-${count}-${typeof batchSize === "number" ? batchSize : `split${sizes.length}`}`;
  const inputs = {
    manifest: join(dir, `seed-${name}.yaml`),
    importFile: join(dir, `import-${name}.json`),
    batchesFile: join(dir, `batches-${name}.json`),
  };
  writeFileSync(inputs.manifest, seedManifest(count, variant));
  writeFileSync(inputs.importFile, JSON.stringify(bodies));
  writeFileSync(inputs.batchesFile, JSON.stringify(batches));
  return inputs;
}

/** Live identities shaped exactly like Kratos v1.3.1 returns them, managed by the set: for the planner without a server. */
export function generatedLive(count: number): LiveIdentity[] {
  const at = "2026-11-22T10:00:00.000000Z";
  return Array.from({ length: count }, (_, k) => {
    const value = email(k + 1);
    return {
      id: randomUUID(),
      schema_id: "default",
      schema_url: "http://127.0.0.1:4433/schemas/ZGVmYXVsdA",
      state: "active",
      state_changed_at: at,
      traits: { email: value },
      verifiable_addresses: [
        { id: randomUUID(), value, verified: false, via: "email", status: "pending", created_at: at, updated_at: at },
      ],
      recovery_addresses: [{ id: randomUUID(), value, via: "email", created_at: at, updated_at: at }],
      metadata_public: null,
      metadata_admin: { [MARKER_KEY]: { set: SET } },
      created_at: at,
      updated_at: at,
      organization_id: null,
    };
  });
}
