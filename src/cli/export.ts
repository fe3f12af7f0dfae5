// `ory-reconcile export`: live identities to manifests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { exportSets } from "../reconcile/export";
import { connect } from "./connect";
import { onDisk, UserError } from "./errors";

export interface ExportFlags {
  endpoint?: string;
  set?: string;
  key: string;
  out?: string;
  unmanagedSet: string;
}

export async function exportCommand(flags: ExportFlags, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const admin = connect(flags);
  const caps = await admin.capabilities();
  // The OIDC links are exported: identifiers only, never a credential's config (tokens, hashes).
  const live = await admin.listIdentities({ pageSize: caps.pageSizeMax, credentialIdentifiers: true });
  const { documents, exported, skipped, sets } = exportSets(live, flags);
  if (flags.set !== undefined && !sets.includes(flags.set)) {
    const found = sets.length > 0 ? `the sets found are: ${sets.join(", ")}` : "the server has no identities";
    throw new UserError(`no live identity belongs to set "${flags.set}"; nothing was exported`, [], `check the name; ${found}`);
  }
  for (const s of skipped) stderr.write(`skipped identity ${s.id}: it ${s.reason} (${s.hint})\n`);
  const yamlOf = (doc: object) => stringify(doc, { lineWidth: 0 });
  const out = flags.out;
  if (out) {
    onDisk(`create the directory ${out}`, () => mkdirSync(out, { recursive: true }));
    for (const doc of documents) {
      const file = join(out, `${(doc.metadata as { name: string }).name}.yaml`);
      onDisk(`write ${file}`, () => writeFileSync(file, yamlOf(doc)));
    }
  } else {
    stdout.write(documents.map(yamlOf).join("---\n"));
  }
  stderr.write(`Exported ${exported} identities in ${documents.length} set(s)${out ? ` to ${out}` : ""}\n`);
  return 0;
}
