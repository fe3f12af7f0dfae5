// Human plans at pull-request and seeding scale: markdown (golden), generate entries summarized, the unmanaged report
// and the estimate lines.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { leafChanges, planItems } from "../../../src/reconcile/core/groups";
import type { JsonAction, JsonAdopt, JsonPlan, JsonUpdate } from "../../../src/reconcile/core/jsonplan";
import { GITHUB_COMMENT_LIMIT, inline, renderMarkdownPlan } from "../../../src/reconcile/core/markdown";
import { renderPlan } from "../../../src/reconcile/core/render";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { unmanagedReport } from "../../../src/reconcile/core/unmanaged";
import { Secret, type DesiredSet, type LiveIdentity } from "../../../src/reconcile/core/types";

const plan: JsonPlan = {
  format_version: 1,
  sets: [
    {
      name: "staff",
      state_digest: "sha256:0",
      noop: 3,
      actions: [
        {
          action: "create",
          key: "alice@example.com",
          changes: [
            { path: "/schema_id", after: "default" },
            { path: "/traits", after: { email: "alice@example.com" } },
            { path: "/credentials/password", after: "(sensitive)" },
          ],
        },
        {
          action: "update",
          key: "bob@example.com",
          id: "id-b",
          patch: [],
          live_digest: "sha256:b",
          changes: [{ path: "/metadata_public/role", before: "user", after: "admin" }],
        },
        {
          action: "create",
          key: "load-1@example.test",
          generate: "spec.generate[0]",
          changes: [
            { path: "/schema_id", after: "default" },
            { path: "/traits", after: { email: "load-1@example.test", name: { first: "Load" } } },
          ],
        },
        {
          action: "create",
          key: "load-2@example.test",
          generate: "spec.generate[0]",
          changes: [
            { path: "/schema_id", after: "default" },
            { path: "/traits", after: { email: "load-2@example.test", name: { first: "Load" } } },
          ],
        },
        {
          action: "delete",
          key: "<img src=x onerror=alert(1)>|`x`",
          id: "id-c",
          reason: "not_in_configuration",
          live_digest: "sha256:c",
        },
      ],
    },
  ],
  summary: { create: 3, update: 1, delete: 1, adopt: 0, noop: 3 },
};

/** What a Markdown renderer would see as HTML tags, table cells or inline markup outside <pre> blocks. */
function outsidePre(markdown: string): string {
  return markdown.replace(/<pre>\n[\s\S]*?\n<\/pre>/g, "");
}

describe("plan --output markdown", () => {
  it("renders the summary table and one details block per identity (golden, reviewed by hand)", () => {
    expect(renderMarkdownPlan(plan)).toBe(readFileSync(join(__dirname, "golden", "markdown-plan.md"), "utf8"));
  });

  it("escapes server strings: no tag, table cell or code span of their own, control characters escaped", () => {
    const hostile = "<img src=x onerror=alert(1)>|`x`*y*[z](http://e.test) @team \u001b[2K\r\n";
    const json: JsonPlan = {
      ...plan,
      sets: [
        {
          name: "staff",
          state_digest: "sha256:0",
          actions: [
            {
              action: "update",
              key: hostile,
              id: hostile,
              patch: [],
              live_digest: "sha256:0",
              changes: [{ path: `/traits/${hostile}`, before: hostile, after: "</pre><script>x</script>" }],
            },
          ],
        },
      ],
    };
    const md = renderMarkdownPlan(json);
    const tags = [...outsidePre(md).matchAll(/<\/?([a-z]+)/gi)].map((m) => m[1].toLowerCase());
    expect(new Set(tags)).toEqual(new Set(["details", "summary", "code"]));
    expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    // Every line of the table has exactly its 7 pipes; the hostile key sits in no table row.
    for (const line of md.split("\n").filter((l) => l.startsWith("|"))) expect(line.split("|")).toHaveLength(8);
    expect(outsidePre(md).replace(/^\*\*Plan: .*\*\*/m, "")).not.toMatch(/[`*[\]]/);
    const inPre = [...md.matchAll(/<pre>\n([\s\S]*?)\n<\/pre>/g)].map((m) => m[1]).join("\n");
    expect(inPre).not.toMatch(/<(?!\/?pre>)/);
    expect(inPre).toContain("&lt;/pre&gt;&lt;script&gt;");
    expect(inline("a|b<c")).toBe("a&#124;b&#60;c");
  });

  it("cuts a long plan with a count and stays under GitHub's comment limit", () => {
    const actions: JsonAction[] = Array.from({ length: 5000 }, (_, i) => ({
      action: "create",
      key: `user-${i}@example.test`,
      changes: [{ path: "/traits", after: { email: `user-${i}@example.test`, bio: "x".repeat(200) } }],
    }));
    const md = renderMarkdownPlan(
      {
        ...plan,
        sets: [{ name: "staff", state_digest: "sha256:0", actions }],
        summary: { create: 5000, update: 0, delete: 0, adopt: 0, noop: 0 },
      },
      { verbose: true },
    );
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    const shown = (md.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(50);
    expect(md).toContain(
      `… and ${5000 - shown} more identities (the comment is cut to fit; see the JSON plan for all of them).`,
    );
    expect(renderMarkdownPlan(plan, { limit: 1500 }).length).toBeLessThanOrEqual(1500);
  });
});

describe("generate entries in human plans", () => {
  const copies = (n: number): JsonAction[] =>
    Array.from({ length: n }, (_, i) => ({
      action: "create",
      key: `load-${i + 1}@example.test`,
      generate: "spec.generate[0]",
      changes: [
        { path: "/schema_id", after: "default" },
        {
          path: "/traits",
          after: { email: `load-${i + 1}@example.test`, name: { first: "Load", last: String(i + 1) } },
        },
        { path: "/credentials/password", after: "(sensitive)" },
      ],
    }));

  it("summarize 2,000 copies in one item per action, unless verbose", () => {
    const json: JsonPlan = {
      ...plan,
      sets: [{ name: "seed", state_digest: "sha256:0", actions: copies(2000) }],
      summary: { create: 2000, update: 0, delete: 0, adopt: 0, noop: 0 },
    };
    expect(renderPlan(json)).toBe(
      [
        "+ create seed/load-1@example.test … seed/load-2000@example.test (2000 identities from spec.generate[0])",
        '    + /schema_id: "default"',
        '    + /traits/name/first: "Load"',
        '    + /credentials/password: "(sensitive)"',
        "    differs per copy: /traits/email, /traits/name/last",
        "Plan: 2000 to create, 0 to update, 0 to delete, 0 to adopt.",
        "",
      ].join("\n"),
    );
    expect(renderPlan(json, { verbose: true }).split("\n")).toHaveLength(2000 * 4 + 2);
    expect(renderMarkdownPlan(json).match(/<details>/g)).toHaveLength(1);
  });

  it("show that sessions are revoked: per identity in the Markdown plan, per summarized copies in text and Markdown", () => {
    const deactivated = (i: number, revoke = true): JsonUpdate => ({
      action: "update",
      key: `load-${i}@example.test`,
      id: `id-${i}`,
      patch: [],
      live_digest: "sha256:0",
      generate: "spec.generate[0]",
      changes: [{ path: "/state", before: "active", after: "inactive" }],
      ...(revoke ? { revoke_sessions: ["deactivate" as const] } : {}),
    });
    const one: JsonAction = { ...deactivated(0), key: "bob@example.com", generate: undefined };
    const all = [deactivated(1), deactivated(2), deactivated(3)];
    const json = (actions: JsonAction[]): JsonPlan => ({
      ...plan,
      sets: [{ name: "seed", state_digest: "sha256:0", actions }],
      summary: { create: 0, update: actions.length, delete: 0, adopt: 0, noop: 0 },
    });
    expect(renderMarkdownPlan(json([one]))).toContain(
      '~ /state: "active" -&gt; "inactive"\nsessions: revoke (deactivate)\n</pre>',
    );
    expect(renderPlan(json(all))).toContain(
      '(3 identities from spec.generate[0])\n    ~ /state: "active" -> "inactive"\n    sessions: revoke (deactivate)\n',
    );
    expect(renderMarkdownPlan(json(all))).toContain(
      '~ /state: "active" -&gt; "inactive"\nsessions: revoke (deactivate)\n</pre>',
    );
    expect(renderPlan(json([...all, deactivated(4, false)]))).toContain(
      "    sessions: revoke for 3 of 4 copies (deactivate)\n",
    );
    expect(renderPlan(json([deactivated(5, false), deactivated(6, false)]))).not.toContain("sessions");
  });

  it("keep a lone copy, adopts and other entries' copies as they are", () => {
    const adopt: JsonAdopt = {
      action: "adopt",
      key: "a",
      id: "1",
      patch: [],
      live_digest: "sha256:0",
      generate: "spec.generate[1]",
      changes: [],
    };
    const items = planItems([...copies(1), adopt, { ...adopt, key: "b", id: "2" }]);
    expect(items.map((item) => item.kind)).toEqual(["action", "action", "action"]);
  });

  it("split changes into their leaves", () => {
    expect(
      leafChanges({ path: "/traits", before: { a: 1, n: { x: "y" } }, after: { a: 2, n: { x: "y" }, "b/c": [1] } }),
    ).toEqual([
      { path: "/traits/a", before: 1, after: 2 },
      { path: "/traits/n/x", before: "y", after: "y" },
      { path: "/traits/b~1c", after: [1] },
    ]);
  });

  it("carry the entry from the manifest into the JSON plan's actions", () => {
    const set: DesiredSet = {
      name: "seed",
      key: { kind: "trait", path: ["email"] },
      prune: false,
      identities: [{ key: "x@e.test", generate: "spec.generate[0]", body: { traits: { email: "x@e.test" } } }],
    };
    expect(buildPlan([set], []).sets[0].actions[0]).toMatchObject({ action: "create", generate: "spec.generate[0]" });
  });
});

describe("unmanagedReport", () => {
  const live = (id: string, schema: string, traits: Record<string, string>, marker?: string): LiveIdentity => ({
    id,
    schema_id: schema,
    traits,
    metadata_admin: marker ? { ory_reconcile: { set: marker } } : null,
  });

  it("counts live identities without a marker by schema and names the first few by the first key they have", () => {
    const sets: DesiredSet[] = [
      { name: "staff", key: { kind: "trait", path: ["username"] }, prune: false, identities: [] },
      {
        name: "customers",
        key: { kind: "trait", path: ["email"] },
        prune: false,
        identities: [
          {
            key: "secret@e.test",
            label: "(sensitive #1)",
            sensitive: { paths: ["/traits/email"], values: [new Secret("secret@e.test")] },
            body: { traits: { email: "secret@e.test" } },
          },
        ],
      },
    ];
    const identities = [
      live("1", "staff", { username: "root" }),
      live("2", "customer", { email: "secret@e.test" }),
      live("3", "customer", { email: "m@e.test" }, "customers"),
      live("4", "customer", {}),
    ];
    const plan = buildPlan(sets, identities);
    expect(unmanagedReport(sets, identities, plan)).toEqual({
      total: 3,
      by_schema: { customer: 2, staff: 1 },
      first: [
        { id: "1", schema_id: "staff", identifier: "root" },
        { id: "2", schema_id: "customer", identifier: "(sensitive #1)" },
        { id: "4", schema_id: "customer" },
      ],
    });
  });
});
