// Field-level changes for humans (text plan, Pulumi diff summaries). Secrets are already `Secret` sentinels.
import { makePatch } from "./patch";
import { parsePointer } from "./json";
import { DesiredCredentials, DesiredIdentity, FieldChange, Json, SENSITIVE } from "./types";

function valueAt(doc: Json, path: string): Json | undefined {
  let node: unknown = doc;
  for (const segment of parsePointer(path)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node as Json | undefined;
}

/** The OIDC links of an identity before and after a plan, as `provider:subject`. */
export interface LinkChange {
  before: string[];
  after: string[];
}

const LINKS_PATH = "/credentials/oidc/providers";

function credentialLines(credentials: DesiredCredentials | undefined, links?: LinkChange): FieldChange[] {
  const out: FieldChange[] = [];
  if (credentials?.password) out.push({ path: "/credentials/password", after: SENSITIVE });
  if (links) out.push({ path: LINKS_PATH, before: links.before, after: links.after });
  else if (credentials?.oidc)
    out.push({ path: LINKS_PATH, after: credentials.oidc.providers.map((p) => `${p.provider}:${p.subject}`) });
  for (const [type, declared] of Object.entries(credentials?.imported ?? {})) {
    if (declared !== "absent") out.push({ path: `/credentials/${type}`, after: SENSITIVE });
  }
  return out;
}

/** What changes between two comparable documents, one entry per patched path; then the credentials, and the OIDC
 * links when they change (the whole list before and after). */
export function changesOf(
  before: Json,
  after: Json,
  credentials?: DesiredCredentials,
  links?: LinkChange,
): FieldChange[] {
  const changes = makePatch(before, after).map((op) => {
    const change: FieldChange = { path: op.path };
    const old = valueAt(before, op.path);
    if (old !== undefined) change.before = old;
    if (op.op !== "remove") change.after = op.value;
    return change;
  });
  return [...changes, ...credentialLines(credentials, links)];
}

/** The declared fields of an identity to be created. */
export function createChanges(identity: DesiredIdentity): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, value] of Object.entries(identity.body)) {
    if (value !== undefined && value !== null) changes.push({ path: `/${field}`, after: value as Json });
  }
  if (identity.recovery) changes.push({ path: "/recovery", after: { ...identity.recovery } });
  return [...changes, ...credentialLines(identity.credentials)];
}
