// Shared by the reliability suites (test/integration/reliability): a Kratos with a second identity schema whose
// key trait is NOT unique, manifests of thousands of identities, kills of the CLI at chosen requests, and the
// checks that a run converged and that identities outside the reconciled set were left alone.
import type { ChildProcess } from "node:child_process";
import { IDENTITY_SCHEMA } from "../../src/dev/identity-schema";
import { startKratos, Kratos, KratosOptions } from "../../src/dev/kratos";
import { MARKER_KEY } from "../../src/reconcile/core/marker";
import type { JsonObject, LiveIdentity } from "../../src/reconcile/core/types";
import { CliResult, runCli, setYaml } from "./cli";
import { admin } from "./kratos-api";
import type { Proxy, Recorded } from "./proxy";

/** A recognisable dummy API key: sent to the proxy and the real Kratos (which ignores it), never to be printed. */
export const API_KEY = "ory_pat_RELIABILITY-dummy-token-7f3a9c5e";

/**
 * Schema `service`: a username and a team, no credentials identifier. Kratos enforces no uniqueness here, so a
 * set keyed by `traits.username` gets a duplicate if a create is ever sent twice.
 */
export const SERVICE_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: {
    traits: {
      type: "object",
      properties: { username: { type: "string", minLength: 1, maxLength: 64 }, team: { type: "string" } },
      required: ["username"],
      additionalProperties: false,
    },
  },
};

const base64 = (schema: object) => `base64://${Buffer.from(JSON.stringify(schema)).toString("base64")}`;

/** The options of a Kratos with the identity schemas `default` (email is the unique identifier) and `service`
 * (for kratosBehindProxy: `{ kratos: RELIABILITY_KRATOS }`). */
export const RELIABILITY_KRATOS: KratosOptions = {
  config: {
    identity: {
      default_schema_id: "default",
      schemas: [
        { id: "default", url: base64(IDENTITY_SCHEMA) },
        { id: "service", url: base64(SERVICE_SCHEMA) },
      ],
    },
  },
};

/** A throwaway Kratos (of the given server, default the default one) with the identity schemas `default` (email is
 * the unique identifier) and `service`. */
export function startReliabilityKratos(server?: string): Promise<Kratos> {
  return startKratos({ ...RELIABILITY_KRATOS, server });
}

export function markerSet(identity: LiveIdentity): string | undefined {
  const marker = (identity.metadata_admin as Record<string, { set?: string }> | null | undefined)?.[MARKER_KEY];
  return marker?.set;
}

export function trait(identity: LiveIdentity, name: string): string {
  return String((identity.traits as Record<string, unknown> | null)?.[name]);
}

export async function listAll(adminUrl: string): Promise<LiveIdentity[]> {
  return admin(adminUrl).listIdentities({ pageSize: 1000 });
}

/** Values that occur more than once. */
export function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(values.filter((v) => seen.has(v) || !seen.add(v)))];
}

/** What must never change under a reconcile of other sets: everything the server stores about an identity. */
export function fingerprint(identity: LiveIdentity): string {
  const { id, schema_id, traits, metadata_public, metadata_admin, state, updated_at } = identity;
  return JSON.stringify({ id, schema_id, traits, metadata_public, metadata_admin, state, updated_at });
}

/** Bystanders: identities no run of the suite may touch (unmanaged, or managed by another set). */
export async function seedBystanders(adminUrl: string, prefix: string): Promise<string[]> {
  const api = admin(adminUrl);
  const bodies: JsonObject[] = [
    { schema_id: "default", traits: { email: `${prefix}-free-1@bystander.test` } },
    {
      schema_id: "default",
      traits: { email: `${prefix}-free-2@bystander.test` },
      metadata_admin: { note: "hands off" },
    },
    { schema_id: "service", traits: { username: `${prefix}-free-svc` } },
    {
      schema_id: "default",
      traits: { email: `${prefix}-other@bystander.test` },
      metadata_admin: { [MARKER_KEY]: { set: "other" } },
    },
  ];
  const ids: string[] = [];
  for (const body of bodies) ids.push((await api.createIdentity(body)).id);
  return ids;
}

export async function bystanderState(adminUrl: string, ids: string[]): Promise<string[]> {
  const found = await admin(adminUrl).listIdentitiesByIds(ids);
  return ids.map((id) => {
    const identity = found.find((i) => i.id === id);
    return identity ? fingerprint(identity) : `${id}: gone`;
  });
}

/**
 * Where a run is killed: at the k-th request matching `match`, either when it reaches the proxy (`before`: the
 * request is dropped, the server never sees it; `inflight`: the request still goes to the server after the client
 * died) or when the server answered it (`after`: the write happened, the answer is lost with the process).
 */
export interface KillPoint {
  name: string;
  match: (request: Recorded) => boolean;
  k: number;
  stage: "before" | "inflight" | "after";
}

export const isBatchCreate = (r: Recorded) => r.method === "PATCH" && r.path === "/admin/identities";
export const isIdentityPatch = (r: Recorded) => r.method === "PATCH" && r.path.startsWith("/admin/identities/");
export const isDelete = (r: Recorded) => r.method === "DELETE";
/** The read-back of a batch's ids (`GET /admin/identities?ids=…`). */
export const isVerification = (r: Recorded) =>
  r.method === "GET" && r.path.startsWith("/admin/identities?") && r.path.includes("ids=");

/**
 * Runs `ory-reconcile <args>` through `proxy` and SIGKILLs it at `point`; returns once the process is gone and
 * the server has finished every request the process had sent.
 */
export async function runKilledAt(
  proxy: Proxy,
  point: KillPoint,
  args: string[],
  env: Record<string, string>,
): Promise<CliResult & { fired: boolean }> {
  let child: ChildProcess | undefined;
  let seen = 0;
  let fired = false;
  proxy.setHook((request, stage) => {
    if (fired || stage !== (point.stage === "after" ? "answered" : "received") || !point.match(request))
      return undefined;
    if (++seen < point.k) return undefined;
    fired = true;
    child?.kill("SIGKILL");
    return point.stage === "inflight" ? undefined : "drop";
  });
  try {
    const result = await runCli(args, { ...env, ORY_ADMIN_URL: proxy.url }, { onSpawn: (c) => (child = c) });
    await proxy.settled();
    return { ...result, fired };
  } finally {
    proxy.setHook(undefined);
  }
}

/** A generated set: `count` identities per entry, keyed by `key`; `extra` lines go under `spec`. */
export function generatedSet(
  name: string,
  key: string,
  entries: Array<{ count: number; template: string }>,
  extra = "",
): string {
  const generate = entries.map((e) => `  - count: ${e.count}\n    template: ${e.template}`).join("\n");
  return setYaml(name, `key: ${key}\n${extra}generate:\n${generate}`);
}

/** The summary line of an apply, for failure messages. */
export function outcome(result: CliResult): string {
  const summary = result.stdout.split("\n").find((line) => line.startsWith("Apply complete:"));
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ""}: ${summary ?? result.stderr.trim().split("\n")[0]}`;
}

/** One kill point's figures, for the report. */
export interface KillFigure {
  point: string;
  /** Identities of the set right after the kill. */
  landed: number;
  rerun: string;
}

export interface Convergence {
  kratos: Kratos;
  proxy: Proxy;
  env: Record<string, string>;
  /** Identities nobody may touch, and their state before the suite. */
  bystanders: { ids: string[]; before: string[] };
  figures: KillFigure[];
}

/**
 * Kills an apply of `dir` at `point`, then checks that ONE re-run converges: it exits 0 with nothing failed, a
 * following `plan --detailed-exitcode` exits 0, the identities the set manages have exactly the `expected` keys
 * (`traitName`), no key value occurs twice on the server, and the bystanders are unchanged. `landed`, when given,
 * is how many identities of the set must exist right after the kill (proof that the kill landed where meant): a
 * number, or the lowest and highest possible when writes in flight side by side may or may not have landed.
 */
export async function killAndConverge(
  c: Convergence,
  dir: string,
  point: KillPoint,
  set: { name: string; trait: string; expected: string[] },
  landed?: number | [number, number],
): Promise<void> {
  const keysOf = (all: LiveIdentity[]) => all.filter((i) => markerSet(i) === set.name).map((i) => trait(i, set.trait));
  // Phases that prune delete every identity of the set: past the default delete cap.
  const killed = await runKilledAt(c.proxy, point, ["apply", dir, "--max-deletes", "all"], c.env);
  expect({ point: point.name, fired: killed.fired, signal: killed.signal }).toEqual({
    point: point.name,
    fired: true,
    signal: "SIGKILL",
  });
  const afterKill = keysOf(await listAll(c.kratos.adminUrl));
  expect({ point: point.name, duplicates: duplicates(afterKill) }).toEqual({ point: point.name, duplicates: [] });
  if (typeof landed === "number")
    expect({ point: point.name, landed: afterKill.length }).toEqual({ point: point.name, landed });
  if (Array.isArray(landed)) {
    const [low, high] = landed;
    expect({
      point: point.name,
      landed: afterKill.length,
      within: afterKill.length >= low && afterKill.length <= high,
    }).toEqual({ point: point.name, landed: afterKill.length, within: true });
  }

  const env = { ...c.env, ORY_ADMIN_URL: c.proxy.url };
  const rerun = await runCli(["apply", dir, "--max-deletes", "all"], env);
  c.figures.push({ point: point.name, landed: afterKill.length, rerun: outcome(rerun) });
  expect({ point: point.name, rerun: outcome(rerun) }).toEqual({
    point: point.name,
    rerun: expect.stringMatching(/^exit 0: Apply complete: .* 0 failed\.$/),
  });
  const plan = await runCli(["plan", dir, "--detailed-exitcode"], env);
  expect({ point: point.name, plan: plan.code, summary: plan.stdout.trim().split("\n").pop() }).toEqual({
    point: point.name,
    plan: 0,
    summary: "Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt.",
  });
  const all = await listAll(c.kratos.adminUrl);
  expect({ point: point.name, keys: keysOf(all).sort() }).toEqual({ point: point.name, keys: set.expected });
  const values = all.map((i) => trait(i, set.trait)).filter((v) => v !== "undefined");
  expect({ point: point.name, duplicates: duplicates(values) }).toEqual({ point: point.name, duplicates: [] });
  expect(await bystanderState(c.kratos.adminUrl, c.bystanders.ids)).toEqual(c.bystanders.before);
}
