// The Ory Network emulator (test/support/network-emulator.ts) must not drift from the real server it fronts: one
// recorded request sequence is replayed against a fresh real Kratos v26.2.0 directly and against the emulator (rate
// limits high enough never to trigger, eventual reads on) in front of another fresh v26.2.0. Status codes, bodies and
// the headers a client reads must be equal once server-generated values (ids, timestamps, page tokens, ports) are
// normalized. A body the emulator altered, dropped or re-encoded fails this test.
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { Emulator, startEmulator } from "../../support/network-emulator";
import { describeOn } from "../../support/servers";

const ORG = "7a7b3b48-4f8e-4a8c-9a4e-52f1a8f6d0c2";
const PATCH_IDS = [
  "11111111-1111-4111-8111-111111111111",
  "22222222-2222-4222-8222-222222222222",
  "33333333-3333-4333-8333-333333333333",
];

/** One request; `{a}` and `{b}` are the ids this replay's server gave the first and the second identity. */
interface Step {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  /** A list: follow `Link: rel="next"` to the end; compared as the pages' sizes and their identities by email. */
  walk?: boolean;
}

const SEQUENCE: Step[] = [
  {
    name: "create one",
    method: "POST",
    path: "/admin/identities",
    body: {
      schema_id: "default",
      traits: { email: "a@example.com", name: { first: "A" } },
      external_id: "diff-a",
      organization_id: ORG,
      metadata_public: { role: "admin" },
      credentials: { password: { config: { password: "diff-Secret-111" } } },
    },
  },
  {
    name: "batch create, one item with a taken external_id",
    method: "PATCH",
    path: "/admin/identities",
    body: {
      identities: [
        {
          patch_id: PATCH_IDS[0],
          create: { schema_id: "default", traits: { email: "b@example.com" }, external_id: "diff-b" },
        },
        {
          patch_id: PATCH_IDS[1],
          create: { schema_id: "default", traits: { email: "c@example.com" }, metadata_admin: { team: "core" } },
        },
        {
          patch_id: PATCH_IDS[2],
          create: { schema_id: "default", traits: { email: "d@example.com" }, external_id: "diff-a" },
        },
      ],
    },
  },
  { name: "list, two per page", method: "GET", path: "/admin/identities?page_size=2&consistency=strong", walk: true },
  { name: "get", method: "GET", path: "/admin/identities/{a}" },
  {
    name: "JSON Patch",
    method: "PATCH",
    path: "/admin/identities/{a}",
    body: [
      { op: "replace", path: "/traits/name/first", value: "Ann" },
      { op: "add", path: "/metadata_admin", value: { team: "platform" } },
      { op: "replace", path: "/organization_id", value: null },
    ],
  },
  {
    name: "PUT with external_id and a new password",
    method: "PUT",
    path: "/admin/identities/{a}",
    body: {
      schema_id: "default",
      state: "active",
      traits: { email: "a@example.com" },
      external_id: "diff-a",
      metadata_public: { role: "owner" },
      credentials: { password: { config: { password: "diff-Secret-222" } } },
    },
  },
  {
    name: "PUT without external_id",
    method: "PUT",
    path: "/admin/identities/{b}",
    body: { schema_id: "default", state: "inactive", traits: { email: "b@example.com" } },
  },
  { name: "by external_id, present", method: "GET", path: "/admin/identities/by/external/diff-a" },
  { name: "by external_id, cleared by the PUT", method: "GET", path: "/admin/identities/by/external/diff-b" },
  { name: "by external_id, absent", method: "GET", path: "/admin/identities/by/external/nobody" },
  { name: "delete", method: "DELETE", path: "/admin/identities/{b}" },
  { name: "get the deleted one", method: "GET", path: "/admin/identities/{b}" },
  { name: "delete it again", method: "DELETE", path: "/admin/identities/{b}" },
  {
    name: "list after the delete",
    method: "GET",
    path: "/admin/identities?page_size=2&consistency=strong",
    walk: true,
  },
];

/** The headers a client reads (not rate-limit headers: the emulator adds those). */
const COMPARED_HEADERS = ["content-type", "location", "link", "cache-control"];

interface Answer {
  step: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g;
const HOST = /http:\/\/127\.0\.0\.1:\d+/g;

/** Replays the sequence against `url`; ids are named by first appearance (`<id-1>`, …), so equal places keep equal names. */
async function replay(url: string): Promise<Answer[]> {
  const names = new Map<string, string>(PATCH_IDS.map((id) => [id, id]));
  const refs: Record<string, string> = {};
  const normalize = (text: string) =>
    text
      .replace(UUID, (id) => {
        if (!names.has(id.toLowerCase())) names.set(id.toLowerCase(), `<id-${names.size - PATCH_IDS.length + 1}>`);
        return names.get(id.toLowerCase()) as string;
      })
      .replace(TIME, "<time>")
      .replace(HOST, "http://<host>");
  const headersOf = (response: Response) =>
    Object.fromEntries(
      COMPARED_HEADERS.flatMap((name) =>
        response.headers.has(name) ? [[name, normalize(response.headers.get(name) ?? "")]] : [],
      ),
    );
  const answers: Answer[] = [];
  for (const step of SEQUENCE) {
    const path = step.path.replace(/\{(\w+)\}/g, (_, ref: string) => refs[ref]);
    const send = (target: string) =>
      fetch(new URL(target, url), {
        method: step.method,
        redirect: "manual",
        headers: {
          accept: "application/json",
          ...(step.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: step.body === undefined ? undefined : JSON.stringify(step.body),
      });
    if (!step.walk) {
      const response = await send(path);
      const text = await response.text();
      if (step.name === "create one") refs.a = (JSON.parse(text) as { id: string }).id;
      if (step.name.startsWith("batch create"))
        refs.b = (JSON.parse(text) as { identities: Array<{ identity: string }> }).identities[0].identity;
      answers.push({ step: step.name, status: response.status, headers: headersOf(response), body: normalize(text) });
      continue;
    }
    // Pages hold identities in id order, and ids are random: compare the walk, not each page.
    const pages: Array<{ status: number; size: number; rels: string[] }> = [];
    const items: Array<{ traits: { email: string } }> = [];
    for (let next: string | undefined = path; next;) {
      const response = await send(next);
      const page = (await response.json()) as Array<{ traits: { email: string } }>;
      const link = response.headers.get("link") ?? "";
      pages.push({
        status: response.status,
        size: page.length,
        rels: [...link.matchAll(/rel="?(\w+)"?/g)].map((m) => m[1]),
      });
      items.push(...page);
      next = /<([^>]+)>;\s*rel="?next"?/.exec(link)?.[1];
    }
    items.sort((x, y) => (x.traits.email < y.traits.email ? -1 : 1));
    answers.push({
      step: step.name,
      status: pages[0].status,
      headers: {},
      body: normalize(JSON.stringify({ pages, items })),
    });
  }
  return answers;
}

const TITLE = "the emulator relays the real Kratos unchanged";

describeOn("v26.2.0", TITLE, () => {
  let bare: Kratos;
  let fronted: Kratos;
  let emulator: Emulator;

  beforeAll(async () => {
    [bare, fronted] = await Promise.all([startKratos({ server: "v26.2.0" }), startKratos({ server: "v26.2.0" })]);
    emulator = await startEmulator({
      target: fronted.adminUrl,
      rateLimit: {
        windows: [
          { limit: 1000, windowMs: 1000 },
          { limit: 100000, windowMs: 60000 },
        ],
        headers: "per-window",
      },
      eventualReads: { lagMs: 1500 },
    });
  });
  afterAll(async () => {
    await emulator?.stop();
    await Promise.all([bare?.stop(), fronted?.stop()]);
  });

  it("answers the recorded sequence with the same statuses, headers and bodies as the bare server", async () => {
    const [direct, through] = await Promise.all([replay(bare.adminUrl), replay(emulator.url)]);
    expect(through).toEqual(direct);
    expect(emulator.limited).toBe(0);
    expect(emulator.staleReads).toBe(0);
    // What the real server did (so that a change in Kratos shows here, not as a puzzling difference elsewhere).
    const status = Object.fromEntries(direct.map((answer) => [answer.step, answer.status]));
    expect(status).toEqual({
      "create one": 201,
      "batch create, one item with a taken external_id": 200,
      "list, two per page": 200,
      get: 200,
      "JSON Patch": 200,
      "PUT with external_id and a new password": 200,
      "PUT without external_id": 200,
      "by external_id, present": 200,
      "by external_id, cleared by the PUT": 404,
      "by external_id, absent": 404,
      delete: 204,
      "get the deleted one": 404,
      "delete it again": 404,
      "list after the delete": 200,
    });
    const batch = JSON.parse(direct[1].body) as { identities: Array<{ action: string; error?: { code: number } }> };
    expect(batch.identities.map((item) => [item.action, item.error?.code])).toEqual([
      ["create", undefined],
      ["create", undefined],
      ["error", 409],
    ]);
    const walk = (answer: Answer) =>
      JSON.parse(answer.body) as {
        pages: Array<{ size: number; rels: string[] }>;
        items: Array<{ traits: { email: string } }>;
      };
    expect(walk(direct[2]).pages.map((page) => [page.size, page.rels])).toEqual([
      [2, ["first", "next"]],
      [1, ["first"]],
    ]);
    expect(walk(direct[13]).items.map((item) => item.traits.email)).toEqual(["a@example.com", "c@example.com"]);
    const put = JSON.parse(direct[5].body) as Record<string, unknown>;
    expect([put.external_id, put.organization_id, put.metadata_admin]).toEqual(["diff-a", null, undefined]);
    expect(JSON.parse(direct[6].body)).not.toHaveProperty("external_id");
  });
});
