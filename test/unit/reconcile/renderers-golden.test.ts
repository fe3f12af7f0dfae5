// One plan built with buildPlan from fixed declared and live identities, covering every kind of action (create,
// update with field changes, delete, adopt, counted no-ops, a generate entry's copies, credentials, sessions revoked,
// recovery, a unique value moved between identities, sensitive values), with the unmanaged report and the estimate,
// rendered as the CLI renders it: text, JSON and Markdown, each compared whole with a file in ./golden (reviewed by
// hand line by line). No secret in any of the three.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { NETWORK_CAPABILITIES } from "../../../src/ory/capabilities";
import { estimateApply } from "../../../src/reconcile/core/estimate";
import { savedPlanText } from "../../../src/reconcile/core/saved-plan";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { renderMarkdownPlan } from "../../../src/reconcile/core/markdown";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { renderPlan } from "../../../src/reconcile/core/render";
import { DesiredSet, Secret } from "../../../src/reconcile/core/types";
import { unmanagedReport } from "../../../src/reconcile/core/unmanaged";
import { desired, enforcedPassword, live, managed, set } from "../../support/builders";

const PASSWORD = "Golden-Password-4711";
const NEW_PASSWORD = "Golden-Enforced-Password-0815";
const TOTP_URL = "otpauth://totp/golden:carol?secret=GOLDENSEEDJBSWY3DPEHPK3PXP";
const HASH = "$2a$10$GOLDENhashGOLDENhashGOLDENhashGOLDENhashGOLDENhash12";
const SENSITIVE_NAME = "Sensitive-Name-From-Env";
const SECRETS = [PASSWORD, NEW_PASSWORD, TOTP_URL, "GOLDENSEED", HASH, SENSITIVE_NAME];

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const SCHEMAS = { schemas: [{ id: "default", schema: IDENTITY_SCHEMA }] };

/** The declared sets: `staff` (keyed by email, prunes, adopts) and `users` (keyed by username, where an email moves). */
function declared(): DesiredSet[] {
  const staff = set(
    "staff",
    [
      // create: traits with a value from ${env:…}, a password, an OIDC link, a TOTP import and a recovery link
      desired(
        "carol@example.com",
        { schema_id: "default", traits: { email: "carol@example.com", name: { first: SENSITIVE_NAME } } },
        {
          sensitive: { paths: ["/traits/name/first"], values: [new Secret(SENSITIVE_NAME)] },
          credentials: {
            password: { kind: "password", value: new Secret(PASSWORD), policy: "initial" },
            oidc: { providers: [{ provider: "google", subject: "10987654321" }] },
            imported: { totp: { config: new Secret(JSON.stringify({ totp_url: TOTP_URL })) } },
          },
          recovery: { method: "link", expires_in: "48h" },
        },
      ),
      // update: a field changed, deactivated (its sessions revoked), and an enforced password set again
      desired(
        "bob@example.com",
        { metadata_public: { role: "admin" }, state: "inactive" },
        { credentials: { password: enforcedPassword("staff", "bob@example.com", NEW_PASSWORD) } },
      ),
      // adopt: unmanaged, the key matches
      desired("erin@example.com", { metadata_public: { team: "ops" } }),
      // noop: managed and as declared
      desired("frank@example.com"),
      // a generate entry's copies: summarized in one item unless verbose
      desired(
        "load-1@example.test",
        { traits: { email: "load-1@example.test", name: { first: "Load" } } },
        {
          generate: "spec.generate[0]",
          credentials: { password: { kind: "hashed_password", value: new Secret(HASH), policy: "initial" } },
        },
      ),
      desired(
        "load-2@example.test",
        { traits: { email: "load-2@example.test", name: { first: "Load" } } },
        {
          generate: "spec.generate[0]",
          credentials: { password: { kind: "hashed_password", value: new Secret(HASH), policy: "initial" } },
        },
      ),
    ],
    { prune: true, adopt: true },
  );
  const username = { kind: "trait" as const, path: ["username"] };
  // ann gives up shared@example.com, which ben takes: ben's write waits for ann's.
  const users = set(
    "users",
    [
      { ...desired("ann@example.com", { traits: { email: "ann@example.com", username: "ann" } }), key: "ann" },
      { ...desired("shared@example.com", { traits: { email: "shared@example.com", username: "ben" } }), key: "ben" },
    ],
    { key: username },
  );
  return [staff, users];
}

/** The live identities: managed by staff (bob, dave to delete, frank), unmanaged (erin to adopt, two nobody declares), managed by users. */
function liveState() {
  const username = { kind: "trait" as const, path: ["username"] };
  return [
    managed("staff", "bob@example.com", { id: id(2), metadata_public: { role: "user" } }, {}, undefined),
    managed("staff", "dave@example.com", { id: id(4) }),
    live("erin@example.com", {
      id: id(5),
      credentials: {
        password: { type: "password", identifiers: ["erin@example.com"], config: { hashed_password: HASH } },
        oidc: { type: "oidc", identifiers: ["github:4242"] },
      },
      verifiable_addresses: [{ value: "erin@example.com", via: "email", verified: true, status: "completed" }],
    }),
    managed("staff", "frank@example.com", { id: id(6) }),
    live("root@example.com", { id: id(7) }),
    live("guest@example.com", { id: id(8), schema_id: "customer" }),
    managed(
      "users",
      "shared@example.com",
      { id: id(9), traits: { email: "shared@example.com", username: "ann" } },
      {},
      undefined,
      "ann",
      username,
    ),
    managed(
      "users",
      "ben-old@example.com",
      { id: id(10), traits: { email: "ben-old@example.com", username: "ben" } },
      {},
      undefined,
      "ben",
      username,
    ),
  ];
}

function outputs() {
  const sets = declared();
  const identities = liveState();
  const plan = buildPlan(sets, identities, SCHEMAS);
  const json = toJsonPlan(plan);
  json.unmanaged = unmanagedReport(sets, identities, plan);
  const windows = [
    { limit: 10, window_seconds: 1 },
    { limit: 300, window_seconds: 60 },
  ];
  json.estimate = estimateApply(
    plan,
    NETWORK_CAPABILITIES,
    { "kratos-admin-medium": 2, default: 1 },
    { "kratos-admin-medium": windows },
  );
  return {
    plan,
    // As `plan --output json` and `plan --out` write it (src/cli/plan.ts).
    "golden-plan.json": savedPlanText(json),
    "golden-plan.txt": renderPlan(json),
    "golden-plan-verbose.txt": renderPlan(json, { verbose: true }),
    "golden-plan.md": renderMarkdownPlan(json),
  };
}

const golden = (file: string) => readFileSync(join(__dirname, "golden", file), "utf8");
const FILES = ["golden-plan.json", "golden-plan.txt", "golden-plan-verbose.txt", "golden-plan.md"] as const;

describe("renderers: one plan of every action kind, compared whole with reviewed files", () => {
  it("the plan holds every kind of action, a move, a recovery, credentials and revoked sessions", () => {
    const { plan } = outputs();
    const kinds = plan.sets.flatMap((s) => s.actions.map((a) => `${s.name}/${a.key} ${a.action}`));
    expect(kinds.sort()).toEqual(
      [
        "staff/carol@example.com create",
        "staff/bob@example.com update",
        "staff/erin@example.com adopt",
        "staff/frank@example.com noop",
        "staff/load-1@example.test create",
        "staff/load-2@example.test create",
        "staff/dave@example.com delete",
        "users/ann update",
        "users/ben update",
      ].sort(),
    );
    expect(plan.after).toEqual({ "users/ben": ["users/ann"] });
    expect(plan.issues).toEqual([]);
  });

  it.each(FILES.map((f) => [f]))("%s", (file) => {
    // After a deliberate change of output: UPDATE_GOLDEN=1 rewrites the files, to be reviewed in the diff.
    if (process.env.UPDATE_GOLDEN) writeFileSync(join(__dirname, "golden", file), outputs()[file]);
    expect(outputs()[file]).toBe(golden(file));
  });

  it("no secret in any of them", () => {
    const all = FILES.map((file) => outputs()[file]).join("\n");
    expect(SECRETS.filter((secret) => all.includes(secret))).toEqual([]);
  });
});
