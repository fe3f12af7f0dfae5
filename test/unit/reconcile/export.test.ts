// `export`: what it writes, what it leaves out and why, and what it counts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadManifests } from "../../../src/manifest";
import { ExactInteger } from "../../../src/reconcile/core/exact-json";
import { exportSets } from "../../../src/reconcile/core/export";
import type { Json } from "../../../src/reconcile/core/types";
import { live, managed } from "../../support/builders";

const OPTIONS = { key: "traits.email", unmanagedSet: "imported" };

describe("exportSets", () => {
  it("counts the identities it writes, and names every set it saw (selected or not)", () => {
    const identities = [
      managed("staff", "a@example.com"),
      managed("staff", "b@example.com"),
      managed("ops", "c@example.com"),
      live("d@example.com"),
    ];
    const all = exportSets(identities, OPTIONS);
    expect([all.exported, all.documents.length, all.sets]).toEqual([4, 3, ["imported", "ops", "staff"]]);
    const staff = exportSets(identities, { ...OPTIONS, sets: ["staff"] });
    expect([staff.exported, staff.documents.length, staff.sets]).toEqual([2, 1, ["imported", "ops", "staff"]]);
    const none = exportSets(identities, { ...OPTIONS, sets: ["staf"] });
    expect([none.exported, none.documents, none.skipped]).toEqual([0, [], []]);
  });

  it("selects several sets (export --set a --set b)", () => {
    const identities = [
      managed("staff", "a@example.com"),
      managed("ops", "c@example.com"),
      managed("dev", "e@example.com"),
      live("d@example.com"),
    ];
    const two = exportSets(identities, { ...OPTIONS, sets: ["staff", "ops"] });
    expect([two.exported, two.documents.map((d) => (d.metadata as { name: string }).name).sort()]).toEqual([
      2,
      ["ops", "staff"],
    ]);
  });

  it("leaves out an identity holding an integer beyond 2^53, which reading JSON may have changed, and says where", () => {
    // 12345678901234567890 on the server arrives as 12345678901234567000: writing that would declare another number.
    const big = live("big@example.com", {
      id: "id-big",
      traits: { email: "big@example.com", ids: [1, 12345678901234567890] },
    });
    const meta = live("meta@example.com", { id: "id-meta", metadata_public: { discord: { id: -9007199254740993 } } });
    const fine = live("fine@example.com", { metadata_public: { n: 9007199254740991, ratio: 0.1 } });
    const result = exportSets([big, meta, fine], OPTIONS);
    expect(result.exported).toBe(1);
    expect(result.skipped).toEqual([
      {
        id: "id-big",
        reason: "holds a number beyond 2^53 in traits.ids[1], which reading JSON may have changed",
        hint: "store it as a string, or write this identity's manifest by hand",
      },
      {
        id: "id-meta",
        reason: "holds a number beyond 2^53 in metadata_public.discord.id, which reading JSON may have changed",
        hint: "store it as a string, or write this identity's manifest by hand",
      },
    ]);
  });

  it("leaves out an identity holding an integer read exactly (the server's digits), never writing it as an object", () => {
    // How the client reads 12345678901234567890 from the server (reconcile/core/exact-json.ts).
    const exact = new ExactInteger("12345678901234567890") as unknown as Json;
    const big = live("big@example.com", { id: "id-big", metadata_public: { discord_id: exact } });
    const result = exportSets([big, live("fine@example.com")], OPTIONS);
    expect(result.exported).toBe(1);
    expect(result.skipped).toEqual([
      {
        id: "id-big",
        reason: "holds a number beyond 2^53 in metadata_public.discord_id, which reading JSON may have changed",
        hint: "store it as a string, or write this identity's manifest by hand",
      },
    ]);
    expect(stringify(result.documents)).not.toContain("12345678901234567890");
  });

  it("writes adopt: true into the set of unmanaged identities only, so applying it adopts them", () => {
    const result = exportSets([managed("staff", "a@example.com"), live("d@example.com")], OPTIONS);
    expect(result.documents.map((doc) => [(doc.metadata as { name: string }).name, doc.spec])).toEqual([
      ["imported", expect.objectContaining({ key: "traits.email", prune: false, adopt: true })],
      ["staff", expect.not.objectContaining({ adopt: expect.anything() })],
    ]);
  });

  it("writes server text that looks like a reference as a literal, so applying the export reads no environment or file", () => {
    const traits = {
      email: "mallory@example.com",
      name: { first: "${env:DB_PASSWORD}", last: "$${x} ${file:secret.txt}" },
    };
    const result = exportSets([live("mallory@example.com", { traits })], OPTIONS);
    const dir = mkdtempSync(join(tmpdir(), "export-"));
    writeFileSync(join(dir, "imported.yaml"), stringify(result.documents[0]));
    // No DB_PASSWORD and no secret.txt: a reference would be an error; literal text loads as the server holds it.
    const loaded = loadManifests([dir], { env: {} });
    expect(loaded.ok && loaded.sets[0].identities[0].body.traits).toEqual(traits);
  });
});
