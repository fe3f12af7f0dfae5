// The Identity resource's properties (Pulumi camelCase) and the engine's documents (Ory admin API snake_case).
// Outputs are the live identity normalized by the engine (normalize.ts) and projected onto what was declared, in
// the inputs' own shape: so Pulumi compares like with like, and a refresh can hand them back as inputs.
import { isObject } from "../reconcile/core/json";
import { userMetadataAdmin } from "../reconcile/core/marker";
import { Doc, impliedStatus } from "../reconcile/core/normalize";
import { DEFAULT_STATE, identityState } from "../reconcile/core/state";
import type { Issue, Json, PasswordPolicy } from "../reconcile/core/types";
import { LEGACY_SET } from "./scope";
import type { RecoveryOutput } from "./recovery-outputs";

/** camelCase property -> admin API field. */
export const FIELDS = [
  ["schemaId", "schema_id"],
  ["traits", "traits"],
  ["metadataPublic", "metadata_public"],
  ["metadataAdmin", "metadata_admin"],
  ["state", "state"],
  ["externalId", "external_id"],
  ["verifiableAddresses", "verifiable_addresses"],
] as const;

export type Field = (typeof FIELDS)[number][0];

export const DEFAULT_KEY = "traits.email";

export type IdentityFields = { [K in Field]?: Json };

export interface IdentityInputs extends IdentityFields {
  password?: string;
  passwordPolicy?: PasswordPolicy;
  adopt?: boolean;
  set?: string;
  /** The unique default of `set`, computed by the program (see defaultSet). */
  defaultSet?: string;
  key?: string;
  /** Invite: ask for a recovery link or code when the identity is created (`recovery:` of a manifest identity). */
  recovery?: { method?: "link" | "code"; expiresIn?: string };
  /** Output only, a Pulumi secret: the recovery link or code issued when the identity was created. */
  recoveryLinks?: RecoveryOutput[];
}

/** The same properties as the inputs, as the server holds them (the password is carried over, never read). */
export type IdentityOutputs = IdentityInputs;

/** Fields the engine always compares, and the value that means "not set" (README: what is compared). */
const ALWAYS: Partial<Record<string, Json>> = { metadata_public: null, metadata_admin: null, state: DEFAULT_STATE };

/** The inputs as one manifest identity (what the manifest validators check and the engine plans). */
export function manifestIdentity(inputs: IdentityInputs): Record<string, unknown> {
  const identity: Record<string, unknown> = {};
  for (const [camel, snake] of FIELDS) if (inputs[camel] !== undefined) identity[snake] = inputs[camel];
  if (inputs.password !== undefined || inputs.passwordPolicy !== undefined) {
    const password: Record<string, unknown> = {};
    if (inputs.password !== undefined) password.password = inputs.password;
    if (inputs.passwordPolicy !== undefined) password.policy = inputs.passwordPolicy;
    identity.credentials = { password };
  }
  const recovery = inputs.recovery;
  if (recovery !== undefined) {
    identity.recovery = isObject(recovery)
      ? {
          ...(recovery.method !== undefined ? { method: recovery.method } : {}),
          ...(recovery.expiresIn !== undefined ? { expires_in: recovery.expiresIn } : {}),
        }
      : recovery;
  }
  return identity;
}

/** The Pulumi property an issue of `manifestIdentity(inputs)` is about. */
export function propertyOf(issue: Issue): string {
  const path = issue.path ?? "";
  if (path.startsWith("credentials.password.policy")) return "passwordPolicy";
  if (path.startsWith("credentials")) return "password";
  const head = path.split(/[.[]/)[0];
  return FIELDS.find(([, snake]) => snake === head)?.[0] ?? head;
}

/** Properties (camelCase) with a value. */
export function declaredFields(props: IdentityFields): Set<Field> {
  return new Set(FIELDS.map(([camel]) => camel).filter((camel) => props[camel] !== undefined));
}

/** A document in the engine's comparable shape (normalize.ts `Doc`) from properties: for diffs and refresh. */
export function docOf(props: IdentityFields): Doc {
  const doc: Doc = {
    traits: props.traits ?? {},
    metadata_public: props.metadataPublic ?? null,
    metadata_admin: props.metadataAdmin ?? null,
    state: identityState(props),
  };
  if (props.schemaId !== undefined) doc.schema_id = props.schemaId;
  if (props.externalId !== undefined) doc.external_id = props.externalId;
  // Outputs stored by earlier versions hold no status where the manifest declared none: the implied one.
  const addresses = props.verifiableAddresses;
  if (Array.isArray(addresses))
    doc.verifiable_addresses = addresses.map((a) =>
      isObject(a) && a.status === undefined ? { ...a, status: impliedStatus(a.verified === true) } : a,
    );
  else if (addresses !== undefined) doc.verifiable_addresses = addresses;
  return doc;
}

/** A document's fields as properties: declared ones, plus undeclared ones that drifted from "not set". */
export function fieldsOf(doc: Doc, declared: ReadonlySet<Field>): IdentityFields {
  const out: IdentityFields = {};
  for (const [camel, snake] of FIELDS) {
    const value = snake === "metadata_admin" ? userMetadataAdmin(doc.metadata_admin) : doc[snake];
    if (value === undefined) continue;
    if (declared.has(camel) || (snake in ALWAYS && value !== ALWAYS[snake])) out[camel] = value;
  }
  return out;
}

/**
 * The meta properties (not sent to the server as fields) with their defaults filled in. `check` records the scope
 * in `set`; only properties stored before that fall back to the default (the legacy shared scope).
 */
export function metaOf(
  inputs: IdentityInputs,
): Required<Pick<IdentityInputs, "set" | "key" | "adopt">> &
  Pick<IdentityInputs, "password" | "passwordPolicy" | "defaultSet"> {
  const meta = {
    set: inputs.set ?? inputs.defaultSet ?? LEGACY_SET,
    key: inputs.key ?? DEFAULT_KEY,
    adopt: inputs.adopt ?? false,
  };
  const fallback = inputs.defaultSet === undefined ? {} : { defaultSet: inputs.defaultSet };
  const password = inputs.password === undefined ? {} : { password: inputs.password };
  const policy = inputs.passwordPolicy === undefined ? {} : { passwordPolicy: inputs.passwordPolicy };
  return { ...meta, ...fallback, ...password, ...policy };
}
