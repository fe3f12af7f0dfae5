// Imported credential types (TOTP, lookup secrets, …) in the planner and apply, recovery links in apply, and the
// refusal of credential types the server cannot import — on the in-memory admin.
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { UserError } from "../../../src/reconcile/core/errors";
import { planSets } from "../../../src/reconcile/engine/engine";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { recoveryFile } from "../../../src/reconcile/engine/recovery";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { renderPlan } from "../../../src/reconcile/core/render";
import { DesiredCredentials, ImportedType, RecoveryDecl, Secret } from "../../../src/reconcile/core/types";
import { desired, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const TOTP_URL = "otpauth://totp/x:tia?secret=JBSWY3DPEHPK3PXP";
const totp: DesiredCredentials = { imported: { totp: { config: new Secret(JSON.stringify({ totp_url: TOTP_URL })) } } };

/** The memory admin plus the lifecycle calls, recorded. */
function lifecycleAdmin(unsupported: ImportedType[] = [], live = [] as ReturnType<typeof managed>[]) {
  const admin = memoryAdmin("v26.2.0-202-gb86338da0", live);
  let n = 0;
  return Object.assign(admin, {
    importsCredential: async (type: ImportedType) => {
      admin.calls.push(`importsCredential ${type}`);
      return !unsupported.includes(type);
    },
    deleteCredentialType: async (id: string, type: ImportedType) => {
      admin.calls.push(`deleteCredentialType ${type}`);
      const credentials = admin.store.get(id)?.credentials ?? {};
      delete credentials[type];
      return "deleted" as const;
    },
    createRecovery: async (id: string, recovery: RecoveryDecl) => {
      admin.calls.push(`createRecovery ${recovery.method} ${recovery.expires_in ?? "-"}`);
      n++;
      return {
        method: recovery.method,
        link: `http://kratos.test/self-service/recovery?flow=f${n}&token=tok-${id}`,
        ...(recovery.method === "code" ? { code: `12345${n}` } : {}),
        expires_at: "2026-12-01T00:00:00Z",
      };
    },
  });
}

describe("imported credential types", () => {
  it("imports a declared type the identity lacks, removes one declared absent, and leaves a present one alone", () => {
    const tia = managed("s", "tia@example.com", {
      credentials: { password: { identifiers: ["tia@example.com"] }, lookup_secret: {} },
    });
    const tom = managed("s", "tom@example.com", {
      credentials: { password: { identifiers: ["tom@example.com"] }, totp: {} },
    });
    const plan = buildPlan(
      [
        set("s", [
          desired(
            "tia@example.com",
            {},
            { credentials: { imported: { ...totp.imported, lookup_secret: "absent", webauthn: "absent" } } },
          ),
          desired("tom@example.com", {}, { credentials: totp }),
        ]),
      ],
      [tia, tom],
    );
    const [first, second] = plan.sets[0].actions;
    expect(first).toEqual(
      expect.objectContaining({
        action: "update",
        id: tia.id,
        patch: [],
        remove: ["lookup_secret"],
        credentials: { imported: totp.imported },
      }),
    );
    expect(first.action !== "noop" && first.action !== "delete" && first.changes).toEqual([
      { path: "/credentials/totp", after: "(sensitive)" },
      { path: "/credentials/lookup_secret", before: "(sensitive)" },
    ]);
    expect(second.action).toBe("noop");
    const text = renderPlan(toJsonPlan(plan));
    expect(text).toContain(
      `~ update s/tia@example.com (${tia.id})\n    + /credentials/totp: "(sensitive)"\n    - /credentials/lookup_secret: "(sensitive)"\n`,
    );
    expect(JSON.stringify(toJsonPlan(plan))).not.toContain("JBSWY3DPEHPK3PXP");
  });

  it("treats declared SAML providers as the complete list, links hidden", () => {
    const saml = (subjects: string[]) => ({
      config: new Secret(JSON.stringify({ providers: subjects.map((subject) => ({ provider: "corp", subject })) })),
    });
    const sam = managed("s", "sam@example.com", {
      credentials: { password: { identifiers: ["sam@example.com"] }, saml: { identifiers: ["corp:s-1", "corp:s-2"] } },
    });
    const plan = buildPlan(
      [set("s", [desired("sam@example.com", {}, { credentials: { imported: { saml: saml(["s-2", "s-3"]) } } })])],
      [sam],
    );
    const action = plan.sets[0].actions[0];
    if (action.action !== "update") throw new Error(`expected an update, got ${action.action}`);
    expect(JSON.parse((action.credentials?.imported?.saml as { config: Secret }).config.reveal())).toEqual({
      providers: [{ provider: "corp", subject: "s-3" }],
    });
    expect(action.unlinkSaml?.map((link) => link.reveal())).toEqual(["corp:s-1"]);
    expect(action.changes).toEqual([
      { path: "/credentials/saml", after: "(sensitive)" },
      { path: "/credentials/saml/providers", before: "(sensitive)", after: "(sensitive)" },
    ]);
    expect(JSON.stringify(toJsonPlan(plan))).not.toMatch(/s-[123]/);
    const same = buildPlan(
      [set("s", [desired("sam@example.com", {}, { credentials: { imported: { saml: saml(["s-2", "s-1"]) } } })])],
      [sam],
    );
    expect(same.sets[0].actions[0].action).toBe("noop");
  });

  it("plans nothing when the live identity was read without its credential types", () => {
    const tia = managed("s", "tia@example.com", { credentials: undefined });
    const plan = buildPlan(
      [set("s", [desired("tia@example.com", {}, { credentials: { imported: { totp: "absent" } } })])],
      [tia],
    );
    expect(plan.sets[0].actions[0].action).toBe("noop");
  });

  it("sends the config on create and removes with DELETE …/credentials/{type} on update", async () => {
    const tia = managed("s", "tia@example.com", {
      credentials: { password: { identifiers: ["tia@example.com"] }, totp: {} },
    });
    const admin = lifecycleAdmin([], [tia]);
    const { plan } = await planSets(
      [
        set("s", [
          desired("tia@example.com", {}, { credentials: { imported: { totp: "absent" } } }),
          desired("new@example.com", {}, { credentials: totp }),
        ]),
      ],
      admin,
    );
    const result = await applyPlan(plan, admin);
    expect(result.failed).toBe(0);
    expect(admin.calls.filter((c) => !c.startsWith("list"))).toEqual([
      "importsCredential totp",
      "batchCreate 1",
      "deleteCredentialType totp",
    ]);
    expect(admin.batches[0][0].credentials).toEqual({ totp: { config: { totp_url: TOTP_URL } } });
  });

  it("refuses a type the server cannot import before any read of identities or write, at the first declaration", async () => {
    const admin = lifecycleAdmin(["totp"]);
    const source = { file: "s.yaml", line: 9, col: 7 };
    const { plan } = await planSets(
      [
        set("s", [
          desired("a@example.com", {}, { credentials: totp, source }),
          desired("b@example.com", {}, { credentials: totp }),
          desired("c@example.com", {}, { credentials: { imported: { totp: "absent" } } }),
        ]),
      ],
      admin,
    );
    expect(plan.issues).toEqual([
      {
        pos: source,
        path: "credentials.totp",
        message:
          's/a@example.com declares credentials.totp (as do 1 more identities of this set), but the server (kratos v26.2.0-202-gb86338da0) does not import totp credentials (it answers 400 unknown field "totp")',
        hint: "remove credentials.totp (or declare it absent), or target a server that imports it (Kratos master / Ory Network)",
      },
    ]);
    expect(admin.calls).toEqual(["importsCredential totp"]);
    await expect(applyPlan(plan, admin)).rejects.toThrow(UserError);
  });
});

describe("recovery links", () => {
  const invited = (email: string, recovery: RecoveryDecl) => desired(email, {}, { recovery });

  it("refuses an apply that creates identities with recovery: unless the caller keeps the links, before any write", async () => {
    const admin = lifecycleAdmin();
    const { plan } = await planSets(
      [set("s", [invited("a@example.com", { method: "link" }), desired("b@example.com")])],
      admin,
    );
    await expect(applyPlan(plan, admin)).rejects.toThrow(
      "the plan creates 1 identity with recovery: (invite links or codes), and they need a file to go to: pass --recovery-out FILE; nothing was written",
    );
    expect(admin.calls.filter((c) => !c.startsWith("list"))).toEqual([]);
  });

  it("asks for a link or code per created identity, after the creates, and keeps them as Secrets", async () => {
    const admin = lifecycleAdmin();
    const { plan } = await planSets(
      [
        set("s", [
          invited("a@example.com", { method: "link", expires_in: "48h" }),
          invited("b@example.com", { method: "code" }),
          desired("c@example.com"),
        ]),
      ],
      admin,
    );
    const result = await applyPlan(plan, admin, { keepRecoveries: true });
    expect(admin.calls.filter((c) => !c.startsWith("list"))).toEqual([
      "batchCreate 3",
      "createRecovery link 48h",
      "createRecovery code -",
    ]);
    const [a, b] = result.recoveries;
    expect(JSON.stringify(result)).not.toContain("tok-");
    expect(JSON.parse(recoveryFile(result.recoveries))).toEqual([
      {
        set: "s",
        key: "a@example.com",
        id: a.id,
        method: "link",
        link: `http://kratos.test/self-service/recovery?flow=f1&token=tok-${a.id}`,
        expires_at: "2026-12-01T00:00:00Z",
      },
      {
        set: "s",
        key: "b@example.com",
        id: b.id,
        method: "code",
        link: `http://kratos.test/self-service/recovery?flow=f2&token=tok-${b.id}`,
        code: "123452",
        expires_at: "2026-12-01T00:00:00Z",
      },
    ]);
  });

  it("counts a link that could not be issued as a failure, without losing the created identity", async () => {
    const admin = lifecycleAdmin();
    admin.createRecovery = async () => {
      throw new Error("POST /admin/recovery/link failed with 400: method disabled");
    };
    const { plan } = await planSets([set("s", [invited("a@example.com", { method: "link" })])], admin);
    const result = await applyPlan(plan, admin, { keepRecoveries: true });
    expect(result.outcomes.map((o) => o.result)).toEqual(["created"]);
    expect(result.failed).toBe(1);
    expect(result.recoveries.map((r) => r.error)).toEqual([
      "s/a@example.com: created, but no recovery link was issued: POST /admin/recovery/link failed with 400: method disabled",
    ]);
    expect(recoveryFile(result.recoveries)).toBe("[]\n");
  });
});
