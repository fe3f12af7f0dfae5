// Planning of the credential types the admin API imports whole (TOTP, lookup secrets, WebAuthn, passkeys, SAML).
// Their secrets cannot be read back (the admin API never returns them), so an existing credential is compared by
// type only: a declared type the identity lacks is imported, a type declared `absent` that it has is removed, and a
// declared type it already has is left as it is (a changed value is not seen). SAML links are the exception: their
// identifiers (`provider:subject`) are listed, so the declared providers are the complete list, as OIDC links are.
import { FieldChange, ImportedCredential, ImportedType, LiveIdentity, Secret, SENSITIVE } from "./types";

type Declared = Partial<Record<ImportedType, ImportedCredential>>;

export interface ImportedChanges {
  /** Credentials to import with the identity's PUT. */
  add?: Declared;
  /** Types to remove (`DELETE /admin/identities/{id}/credentials/{type}`). */
  remove?: ImportedType[];
  /** SAML links to remove (`provider:subject`, sensitive): `DELETE …/credentials/saml?identifier=…`. */
  unlinkSaml?: Secret[];
  /** The removals, for humans (the additions are listed with the PUT's credentials). */
  lines: FieldChange[];
}

/**
 * What must change on `live` for the declared imported credentials. Nothing when the live identity was read
 * without its credential types (`live.credentials` undefined): the plan cannot tell, and writes nothing blind.
 */
export function importedChanges(declared: Declared | undefined, live: LiveIdentity): ImportedChanges {
  const out: ImportedChanges = { lines: [] };
  if (!declared || !live.credentials) return out;
  for (const [type, credential] of Object.entries(declared) as Array<[ImportedType, ImportedCredential]>) {
    const present = live.credentials[type] !== undefined;
    if (credential === "absent" && present) {
      (out.remove ??= []).push(type);
      out.lines.push({ path: `/credentials/${type}`, before: SENSITIVE });
    } else if (credential !== "absent" && !present) {
      out.add = { ...out.add, [type]: credential };
    } else if (credential !== "absent" && type === "saml") {
      samlChanges(credential.config, live.credentials.saml?.identifiers ?? [], out);
    }
  }
  return out;
}

interface SamlProvider {
  provider: string;
  subject: string;
}

/** Declared SAML providers against the live links: missing ones are imported (the server appends them), undeclared
 * ones removed; one line shows that the links change, their values hidden. */
function samlChanges(config: Secret, linked: string[], out: ImportedChanges): void {
  const providers = (JSON.parse(config.reveal()) as { providers: SamlProvider[] }).providers;
  const declared = providers.map((p) => `${p.provider}:${p.subject}`);
  const add = providers.filter((p) => !linked.includes(`${p.provider}:${p.subject}`));
  const unlink = linked.filter((link) => !declared.includes(link));
  if (add.length > 0) out.add = { ...out.add, saml: { config: new Secret(JSON.stringify({ providers: add })) } };
  if (unlink.length > 0) {
    out.unlinkSaml = unlink.map((link) => new Secret(link));
    out.lines.push({ path: "/credentials/saml/providers", before: SENSITIVE, after: SENSITIVE });
  }
}

/** Whether declarations use credential types the server must import (anything but `absent`). */
export function importsAny(declared: Declared | undefined): ImportedType[] {
  return Object.entries(declared ?? {}).flatMap(([type, credential]) =>
    credential === "absent" ? [] : [type as ImportedType],
  );
}
