// The text plan rendered from the JSON plan: the `> adopt` line names what the adopted identity already holds.
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { renderPlan } from "../../../src/reconcile/core/render";
import { desired, live, set } from "../../support/builders";

describe("renderPlan", () => {
  it("shows on the adopt line the credential types, linked providers and verified addresses of the live identity, never a credential's config", () => {
    const cfo = live("cfo@corp.example", {
      id: "00000000-0000-4000-8000-00000000c0f0",
      credentials: {
        password: {
          type: "password",
          identifiers: ["cfo@corp.example"],
          config: { hashed_password: "$2a$10$registrant-hash" },
        },
        oidc: {
          type: "oidc",
          identifiers: ["google:10987654321"],
          config: { providers: [{ initial_id_token: "registrant-token" }] },
        },
      },
      verifiable_addresses: [{ value: "cfo@corp.example", via: "email", verified: true, status: "completed" }],
    });
    const plan = buildPlan(
      [set("staff", [desired("cfo@corp.example", { metadata_public: { role: "cfo" } })], { adopt: true })],
      [cfo],
    );
    const json = toJsonPlan(plan);
    const [adopt] = json.sets[0].actions;
    expect(adopt.action === "adopt" && adopt.holds).toEqual({
      credentials: ["oidc", "password"],
      providers: ["google:10987654321"],
      verified_addresses: ["cfo@corp.example"],
    });
    const text = renderPlan(json);
    expect(text).toBe(
      [
        "> adopt staff/cfo@corp.example (00000000-0000-4000-8000-00000000c0f0) holds credentials: oidc, password; providers: google:10987654321; verified addresses: cfo@corp.example",
        '    ~ /metadata_public: null -> {"role":"cfo"}',
        "    sessions: revoke (adopt)",
        "Plan: 0 to create, 0 to update, 0 to delete, 1 to adopt.",
        "",
      ].join("\n"),
    );
    for (const output of [text, JSON.stringify(json)]) {
      expect(output).not.toContain("registrant-hash");
      expect(output).not.toContain("registrant-token");
    }
  });

  it("says none, and (not read) when the live identity was read without its credentials", () => {
    const bare = live("x@example.com", { id: "id-x", verifiable_addresses: [] });
    delete bare.credentials;
    const text = renderPlan(toJsonPlan(buildPlan([set("staff", [desired("x@example.com")])], [bare], { adopt: true })));
    expect(text.split("\n")[0]).toBe(
      "> adopt staff/x@example.com (id-x) holds credentials: (not read); providers: (not read); verified addresses: none",
    );
  });
});
