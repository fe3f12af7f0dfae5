// `ory-reconcile export`: live identities to manifests.
import { printable } from "../reconcile/core/printable";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { exportSets } from "../reconcile/core/export";
import { readForExport } from "../reconcile/engine/engine";
import { connect } from "./connect";
import { onDisk, UserError } from "./errors";
import { safeFileNames, writePrivateFile } from "./private-file";

export interface ExportFlags {
  endpoint?: string;
  insecureHttp?: boolean;
  /** `--set`, repeatable: only identities managed by these sets. */
  set?: string[];
  key: string;
  out?: string;
  unmanagedSet: string;
}

export async function exportCommand(
  flags: ExportFlags,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  // The engine's listing, with the OIDC links: identifiers only, never a credential's config (tokens, hashes).
  const live = await readForExport(connect(flags));
  const { documents, exported, skipped, sets } = exportSets(live, { ...flags, sets: flags.set });
  const unknown = (flags.set ?? []).filter((name) => !sets.includes(name));
  if (unknown.length > 0) {
    const found = sets.length > 0 ? `the sets found are: ${sets.join(", ")}` : "the server has no identities";
    const names = unknown.map((name) => `"${name}"`).join(", ");
    throw new UserError(
      `no live identity belongs to set ${names}; nothing was exported`,
      [],
      `check the name; ${found}`,
    );
  }
  for (const s of skipped) stderr.write(printable(`skipped identity ${s.id}: it ${s.reason} (${s.hint})`) + "\n");
  const yamlOf = (doc: object) => stringify(doc, { lineWidth: 0 });
  const out = flags.out;
  if (out) {
    // Exports hold user data: a folder only the owner can enter (when this creates it), files only the owner reads.
    onDisk(`create the directory ${out}`, () => mkdirSync(out, { recursive: true, mode: 0o700 }));
    const names = safeFileNames(
      documents.map((doc) => (doc.metadata as { name: string }).name),
      ".yaml",
    );
    documents.forEach((doc, i) => {
      const file = join(out, names[i]);
      onDisk(`write ${file}`, () => writePrivateFile(file, yamlOf(doc)));
    });
  } else {
    stdout.write(documents.map(yamlOf).join("---\n"));
  }
  stderr.write(`Exported ${exported} identities in ${documents.length} set(s)${out ? ` to ${out}` : ""}\n`);
  return 0;
}
