// `ory-reconcile export`: live identities to manifests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { exportSets } from "../reconcile/export";
import { connect } from "./connect";

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
  const live = await admin.listIdentities({ pageSize: caps.pageSizeMax });
  const { documents, skipped } = exportSets(live, flags);
  for (const s of skipped) stderr.write(`skipped identity ${s.id}: it ${s.reason} (choose another --key)\n`);
  const yamlOf = (doc: object) => stringify(doc, { lineWidth: 0 });
  if (flags.out) {
    mkdirSync(flags.out, { recursive: true });
    for (const doc of documents) {
      const name = (doc.metadata as { name: string }).name;
      writeFileSync(join(flags.out, `${name}.yaml`), yamlOf(doc));
    }
    stderr.write(`Exported ${live.length - skipped.length} identities in ${documents.length} set(s) to ${flags.out}\n`);
  } else {
    stdout.write(documents.map(yamlOf).join("---\n"));
  }
  return 0;
}
