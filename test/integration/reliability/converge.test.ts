// Interrupted and concurrent runs converge in one run, on every server: an apply killed right after its batch was
// sent, whose batch the server commits only after the next run has read the live state (so the next run's batch
// conflicts item by item); conflicts paired by key (updated, adopted, or refused naming the set that holds them);
// and batches the server refuses whole (a malformed hash) split in halves, never sent one identity at a time.
import type { ChildProcess } from "node:child_process";
import bcrypt from "bcryptjs";
import type { Kratos } from "../../../src/dev/kratos";
import { createOryClient } from "../../../src/ory";
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { planSets } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { DesiredIdentity, Secret } from "../../../src/reconcile/core/types";
import { desired, set } from "../../support/builders";
import { allOutputs, manifestDir, runCli } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy, Recorded } from "../../support/proxy";
import {
  API_KEY,
  duplicates,
  generatedSet,
  isBatchCreate,
  listAll,
  markerSet,
  outcome,
  RELIABILITY_KRATOS,
  trait,
} from "../../support/reliability";
import { describeServers } from "../../support/servers";

const COUNT = 1200;
const GOOD_HASH = bcrypt.hashSync("Converge-Secret-4242", 4);
const isList = (r: Recorded) =>
  r.method === "GET" &&
  /^\/admin\/identities(\?|$)/.test(r.path) &&
  !r.path.includes("ids=") &&
  !r.path.includes("credentials_identifier=");
const kinds = (requests: Recorded[]) => {
  const out: Record<string, number> = {};
  for (const r of requests) {
    const kind = isBatchCreate(r)
      ? "PATCH /admin/identities"
      : isList(r)
        ? "GET /admin/identities (list)"
        : `${r.method} ${r.path.split("?")[0].replace(/[0-9a-f-]{36}/, "{id}")}${r.path.includes("ids=") ? " (ids)" : ""}`;
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
};

describeServers("all", "interrupted and concurrent runs converge in one run", (server) => {
  let kratos: Kratos;
  let proxy: Proxy;
  const env = () => ({ ORY_API_KEY: API_KEY, ORY_ADMIN_URL: proxy.url });

  const fixture = kratosBehindProxy(server, undefined, { kratos: RELIABILITY_KRATOS });
  beforeAll(() => {
    ({ kratos, proxy } = fixture);
  });

  it(`an apply of ${COUNT} killed after its batch was sent, committed after the re-run listed: the re-run pairs every conflict and exits 0`, async () => {
    const dir = manifestDir({
      "seed.yaml": generatedSet("seed", "traits.email", [
        { count: COUNT, template: '{ traits: { email: "seed-{{i}}@converge.test" } }' },
      ]),
    });
    // Run 1: killed when its first batch arrives; every batch it sent is held until run 2 has read the live state.
    let child: ChildProcess | undefined;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: Recorded[] = [];
    proxy.setHook(async (request, stage) => {
      if (stage !== "received" || !isBatchCreate(request)) return;
      child?.kill("SIGKILL");
      held.push(request);
      await released; // then forwarded: the server commits it although its client is gone
    });
    const killed = await runCli(["apply", dir], env(), { onSpawn: (c) => (child = c) });
    expect(killed.signal).toBe("SIGKILL");
    expect(held.length).toBeGreaterThan(0);
    expect((await listAll(kratos.adminUrl)).filter((i) => markerSet(i) === "seed")).toHaveLength(0);

    // Run 2: once its list of identities was answered, the held batches go on; its own batch reaches the server
    // only after they were committed.
    proxy.setHook(async (request, stage) => {
      if (stage === "answered" && isList(request)) release();
      if (stage === "received" && isBatchCreate(request) && !held.includes(request)) {
        while (held.some((r) => r.status === undefined)) await new Promise((r) => setTimeout(r, 20));
      }
    });
    const from = proxy.requests.length;
    const rerun = await runCli(["apply", dir], env());
    proxy.setHook(undefined);
    await proxy.settled();
    const requests = proxy.requests.slice(from);
    const figures = kinds(requests);
    // eslint-disable-next-line no-console
    console.log(`${server} re-run requests: ${JSON.stringify(figures)}; ${outcome(rerun)}`);
    expect(outcome(rerun)).toMatch(/^exit 0: Apply complete: .* 0 failed\.$/);
    expect(figures["POST /admin/identities"]).toBeUndefined();
    // Its batches were answered with a 409 per item (the identities had just been committed by run 1).
    expect(requests.filter((r) => isBatchCreate(r) && r.status === 200).length).toBeGreaterThan(0);
    const seeded = (await listAll(kratos.adminUrl)).filter((i) => markerSet(i) === "seed");
    expect({ count: seeded.length, duplicates: duplicates(seeded.map((i) => trait(i, "email"))) }).toEqual({
      count: COUNT,
      duplicates: [],
    });
    const plan = await runCli(["plan", dir, "--detailed-exitcode"], env());
    expect(plan.code).toBe(0);
    expect(allOutputs.join("\n")).not.toContain(API_KEY);
  });

  it("conflicts are paired by key: a managed one is updated, an unmanaged one adopted, one held by another set fails naming it", async () => {
    const client = createOryClient({ endpoint: proxy.url, apiKey: API_KEY });
    const declared = ["pair-a", "pair-b", "pair-c", "pair-d"].map((name) =>
      desired(`${name}@converge.test`, { metadata_public: { v: 2 } }),
    );
    const { plan } = await planSets([set("pairs", declared, { adopt: true })], client);
    expect(plan.summary.create).toBe(4);
    // Created by others after the plan read the live state.
    const api = admin(kratos.adminUrl);
    await api.createIdentity({
      schema_id: "default",
      traits: { email: "pair-a@converge.test" },
      metadata_public: { v: 1 },
      metadata_admin: { [MARKER_KEY]: { set: "pairs" } },
    });
    const b = await api.createIdentity({ schema_id: "default", traits: { email: "pair-b@converge.test" } });
    const c = await api.createIdentity({
      schema_id: "default",
      traits: { email: "pair-c@converge.test" },
      metadata_admin: { [MARKER_KEY]: { set: "theirs" } },
    });
    const from = proxy.requests.length;
    const result = await applyPlan(plan, client);
    const figures = kinds(proxy.requests.slice(from));
    // eslint-disable-next-line no-console
    console.log(`${server} pairing requests: ${JSON.stringify(figures)}`);
    expect(
      result.outcomes
        .map((o) => [o.key, o.result, o.result === "failed" ? o.reason : o.id === b.id || o.result !== "adopted"])
        .sort(),
    ).toEqual([
      ["pair-a@converge.test", "configured", true],
      ["pair-b@converge.test", "adopted", true],
      ["pair-c@converge.test", "failed", expect.stringContaining(`live identity ${c.id} is managed by set theirs`)],
      ["pair-d@converge.test", "created", true],
    ]);
    expect(figures["POST /admin/identities"]).toBeUndefined();
    const all = await listAll(kratos.adminUrl);
    expect(
      all
        .filter((i) => trait(i, "email").startsWith("pair-"))
        .map((i) => [trait(i, "email"), markerSet(i), i.metadata_public])
        .sort(),
    ).toEqual([
      ["pair-a@converge.test", "pairs", { v: 2 }],
      ["pair-b@converge.test", "pairs", { v: 2 }],
      ["pair-c@converge.test", "theirs", null],
      ["pair-d@converge.test", "pairs", { v: 2 }],
    ]);
  });

  it.each([[[777]], [[3, 1000, 1999]]])(
    "a batch refused whole for a malformed hash is split in halves: bad items %j among 2,000",
    async (badItems) => {
      const bad = new Set(badItems);
      const tag = `bisect${bad.size}`;
      const client = createOryClient({ endpoint: proxy.url, apiKey: API_KEY });
      // Built in code: a manifest with such a hash is refused before planning (see the offline check below).
      const identities: DesiredIdentity[] = Array.from({ length: 2000 }, (_, i) =>
        desired(
          `${tag}-${i}@converge.test`,
          {},
          {
            credentials: {
              password: {
                kind: "hashed_password",
                value: new Secret(bad.has(i) ? "not-a-hash" : GOOD_HASH),
                policy: "initial",
              },
            },
          },
        ),
      );
      const { plan } = await planSets([set(tag, identities)], client);
      const from = proxy.requests.length;
      const result = await applyPlan(plan, client);
      const requests = proxy.requests.slice(from);
      const batches = requests.filter(isBatchCreate);
      // eslint-disable-next-line no-console
      console.log(
        `${server} bisect ${bad.size}: ${JSON.stringify(kinds(requests))}; batch answers ${JSON.stringify(batches.map((r) => r.status))}`,
      );
      expect(
        result.outcomes
          .filter((o) => o.result === "failed")
          .map((o) => o.key)
          .sort(),
      ).toEqual([...bad].map((i) => `${tag}-${i}@converge.test`).sort());
      expect(
        result.outcomes
          .filter((o) => o.result === "failed")
          .every((o) => /does not match any known hash format/.test(o.reason ?? "")),
      ).toBe(true);
      expect(JSON.stringify(result.outcomes)).not.toContain(GOOD_HASH);
      expect(requests.filter((r) => r.method === "POST")).toEqual([]);
      // O(k log n): each bad item costs at most two batches per halving level (ceil(log2 2000) = 11) beyond the first ones.
      expect(batches.length).toBeLessThanOrEqual(2 + bad.size * 2 * 11);
      const created = (await listAll(kratos.adminUrl)).filter((i) => markerSet(i) === tag);
      expect(created).toHaveLength(2000 - bad.size);
    },
  );

  it("a malformed hash in a manifest is a plan error naming file:line:col, sends nothing and never prints the hash", async () => {
    const dir = manifestDir({
      "bad.yaml": generatedSet("badhash", "traits.email", [
        {
          count: 3,
          template:
            '{ traits: { email: "h{{i}}@converge.test" }, credentials: { password: { hashed_password: "md5-but-not-really-0123456789abcdef" } } }',
        },
      ]),
    });
    const from = proxy.requests.length;
    const result = await runCli(["plan", dir], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.yaml:\d+:\d+.*hashed_password is not in a hash format the server imports/);
    expect(result.stdout + result.stderr).not.toContain("md5-but-not-really");
    expect(proxy.requests.slice(from)).toEqual([]);
  });
});
