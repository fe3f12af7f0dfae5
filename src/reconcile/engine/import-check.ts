// Credentials the server cannot import, found before any read of identities and before any write.
import type { Capabilities, OryAdmin } from "./admin";
import { importsAny } from "../core/imported";
import { DesiredIdentity, DesiredSet, ImportedType, Issue } from "../core/types";

/**
 * One issue per set and credential type that its identities declare (`credentials.totp: {…}`, …) but the server
 * does not import, at the first identity that declares it. The server is asked once per declared type
 * (`OryAdmin.importsCredential`: one `POST /admin/identities` that cannot store anything); `absent` needs no import
 * (removing a type works on every server) and asks nothing.
 */
export async function importIssues(
  sets: ReadonlyArray<DesiredSet>,
  admin: OryAdmin,
  caps: Capabilities,
): Promise<Issue[]> {
  const first = new Map<string, { set: DesiredSet; identity: DesiredIdentity; type: ImportedType; count: number }>();
  for (const set of sets) {
    for (const identity of set.identities) {
      for (const type of importsAny(identity.credentials?.imported)) {
        const seen = first.get(`${set.name}\n${type}`);
        if (seen) seen.count++;
        else first.set(`${set.name}\n${type}`, { set, identity, type, count: 1 });
      }
    }
  }
  if (first.size === 0 || !admin.importsCredential) return [];
  const types = [...new Set([...first.values()].map((use) => use.type))];
  const supported = new Map(
    await Promise.all(types.map(async (type) => [type, await admin.importsCredential!(type)] as const)),
  );
  const server = `the server (${caps.flavor} ${caps.version ?? "unknown version"})`;
  return [...first.values()]
    .filter((use) => !supported.get(use.type))
    .map(({ set, identity, type, count }) => ({
      pos: identity.source,
      path: `credentials.${type}`,
      message: `${set.name}/${identity.label ?? identity.key} declares credentials.${type}${count > 1 ? ` (as do ${count - 1} more identities of this set)` : ""}, but ${server} does not import ${type} credentials (it answers 400 unknown field "${type}")`,
      hint: `remove credentials.${type} (or declare it absent), or target a server that imports it (Kratos master / Ory Network${type === "saml" ? ", Kratos >= v26" : ""})`,
    }));
}
