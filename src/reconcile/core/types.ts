// The data model shared by the manifest loader, the pure planner, the engine, the CLI and the Pulumi resources.
import { inspect } from "node:util";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Where something was written: file, 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A user-facing problem with input: collected, never thrown one at a time. */
export interface Issue {
  pos?: SourcePos;
  /** Field path inside the document, e.g. `spec.identities[2].traits.email`. */
  path?: string;
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** A secret value (password, hash). Prints and serializes as `(sensitive)`; only `reveal()` gives the value. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return SENSITIVE;
  }
  toString(): string {
    return SENSITIVE;
  }
  [inspect.custom](): string {
    return SENSITIVE;
  }
}
export const SENSITIVE = "(sensitive)";

/** How declared identities are paired with live ones. */
export type KeySpec = { kind: "external_id" } | { kind: "trait"; path: string[] };

export type PasswordPolicy = "initial" | "enforce";

export type PasswordDecl =
  | { kind: "password"; value: Secret; policy: PasswordPolicy; fingerprint?: string }
  | { kind: "hashed_password"; value: Secret; policy: PasswordPolicy; fingerprint?: string }
  | { kind: "migration_hook"; policy: PasswordPolicy; fingerprint?: string };

export interface OidcProvider {
  provider: string;
  subject: string;
  use_auto_link?: boolean;
}

/** Credential types beyond passwords and OIDC that the admin API imports whole (`credentials.<type>.config`). */
export const IMPORTED_TYPES = ["totp", "lookup_secret", "webauthn", "passkey", "saml"] as const;
export type ImportedType = (typeof IMPORTED_TYPES)[number];

/**
 * A declared credential of an imported type: the `config` the admin API imports (e.g. `{totp_url}`,
 * `{codes: [{code}]}`), kept as one Secret holding its JSON; or `absent`: the type is removed when present.
 */
export type ImportedCredential = { config: Secret } | "absent";

export interface DesiredCredentials {
  password?: PasswordDecl;
  oidc?: { providers: OidcProvider[] };
  imported?: Partial<Record<ImportedType, ImportedCredential>>;
}

/** `recovery:` of an identity: on create, a recovery link or code is asked for (an invite). `expires_in`: `48h`. */
export interface RecoveryDecl {
  method: "link" | "code";
  expires_in?: string;
}

export interface AddressDecl {
  value: string;
  via: string;
  verified?: boolean;
  status?: string;
}

/** The fields of an identity that a manifest declares (Ory admin API names), secrets excluded. */
export interface IdentityBody {
  schema_id?: string;
  traits: JsonObject;
  metadata_public?: Json;
  metadata_admin?: Json;
  state?: "active" | "inactive";
  external_id?: string;
  organization_id?: string | null;
  verifiable_addresses?: AddressDecl[];
  recovery_addresses?: Omit<AddressDecl, "verified" | "status">[];
}

/**
 * What of a declared identity came from `${env:…}` or `${file:…}`: the JSON pointers of those strings (e.g.
 * `/traits/email`) and the values themselves. Every output shows them as `(sensitive)`.
 */
export interface Sensitive {
  paths: string[];
  values: Secret[];
}

export interface DesiredIdentity {
  /** The key value inside its set (e.g. the email). */
  key: string;
  /**
   * The key (and the set's key spec it is a value of) that the ownership marker records as a digest and the password
   * fingerprint is bound to, when the planner pairs the identity by another value (an Identity resource is paired by
   * its id); absent: `key` under the set's own key spec.
   */
  markedKey?: { key: string; spec: KeySpec };
  /** Shown instead of the key when the key is sensitive, e.g. `(sensitive #2)`. */
  label?: string;
  sensitive?: Sensitive;
  body: IdentityBody;
  credentials?: DesiredCredentials;
  /** Ask for a recovery link or code when the identity is created. */
  recovery?: RecoveryDecl;
  source?: SourcePos;
  /** The `generate` entry that made this identity (`spec.generate[0]`); absent for one declared in `identities`. */
  generate?: string;
}

export interface DesiredSet {
  name: string;
  key: KeySpec;
  prune: boolean;
  /** `spec.adopt`: take over unmanaged live identities whose key matches (absent: only with the `adopt` plan option). */
  adopt?: boolean;
  /** `spec.sessions.revoke_on`: when an identity's sessions are revoked (absent: {@link DEFAULT_REVOKE_ON}). */
  revokeOn?: RevokeOn[];
  /**
   * `spec.ignore`: dotted paths under traits, metadata_public or metadata_admin (e.g. `traits.name`), each split into
   * its segments. Set on create, then never compared or written.
   */
  ignore?: string[][];
  identities: DesiredIdentity[];
  source?: SourcePos;
}

/**
 * When a set revokes an identity's sessions (`DELETE /admin/identities/{id}/sessions`): when it goes from `active`
 * to `inactive` (Kratos only suspends the sessions of an inactive identity and restores them on reactivation), when
 * it is adopted, when an `enforce` password is set again.
 */
export type RevokeOn = "deactivate" | "adopt" | "password_change";
export const REVOKE_ON: readonly RevokeOn[] = ["deactivate", "adopt", "password_change"];
export const DEFAULT_REVOKE_ON: readonly RevokeOn[] = ["deactivate", "adopt"];

/** A live identity as the admin API returns it (JSON, snake_case). */
export interface LiveIdentity {
  id: string;
  schema_id: string;
  traits: JsonObject | null;
  metadata_public?: Json;
  metadata_admin?: Json;
  state?: string;
  external_id?: string | null;
  organization_id?: string | null;
  credentials?: Record<
    string,
    { type?: string; identifiers?: string[]; config?: Json; version?: number; created_at?: string; updated_at?: string }
  >;
  verifiable_addresses?: Array<{ value: string; via: string; verified: boolean; status: string } & JsonObject>;
  recovery_addresses?: Array<{ value: string; via: string } & JsonObject>;
  [other: string]: unknown;
}

/** RFC 6902 operation. */
export type PatchOp = { op: "add" | "replace" | "test"; path: string; value: Json } | { op: "remove"; path: string };

/** A field-level change, for humans: `before`/`after` are redacted where secret. */
export interface FieldChange {
  path: string;
  before?: Json;
  after?: Json;
}

/** The `generate` entry an action's identity came from, for plans that summarize its copies (see DesiredIdentity). */
export interface Generated {
  generate?: string;
}

export type Action = Generated &
  (
    | {
        action: "create";
        set: string;
        key: string;
        label?: string;
        sensitive?: Sensitive;
        body: IdentityBody;
        credentials?: DesiredCredentials;
        recovery?: RecoveryDecl;
        changes: FieldChange[];
      }
    | {
        action: "update" | "adopt";
        set: string;
        key: string;
        /** Shown instead of the key when it is sensitive. */
        label?: string;
        /** Values of the patch shown as `(sensitive)`. */
        sensitive?: Sensitive;
        id: string;
        patch: PatchOp[];
        /**
         * Credentials must change: the write is a PUT of the full document, not a JSON Patch. Its `oidc.providers` are
         * only the links to add (the server appends them to the identity's links).
         */
        credentials?: DesiredCredentials;
        /** OIDC links to remove after the write, as the server names them (`provider:subject`). */
        unlink?: string[];
        /** Credential types declared `absent` that the identity has: removed after the write. */
        remove?: ImportedType[];
        /** SAML links to remove after the write (`provider:subject`, sensitive). */
        unlinkSaml?: Secret[];
        /** Adopt only: what the live identity already holds that the manifest does not write. */
        holds?: Holdings;
        /** Why the identity's sessions are revoked after the write (absent: they are kept). */
        revoke_sessions?: RevokeOn[];
        changes: FieldChange[];
        live_digest: string;
      }
    | { action: "delete"; set: string; key: string; id: string; reason: DeleteReason; live_digest: string }
    | { action: "noop"; set: string; key: string; label?: string; id: string; live_digest: string }
  );

export type ActionKind = Action["action"];

/**
 * Why a plan deletes a managed identity, as data (plans render it, e.g. `because it is not in configuration`):
 * `not_in_configuration`: its set, pruning, no longer declares it; `destroy`: its set is destroyed
 * (`ory-reconcile destroy`), whatever the manifests declare.
 */
export type DeleteReason = "not_in_configuration" | "destroy";
export const DELETE_REASONS: readonly DeleteReason[] = ["not_in_configuration", "destroy"];

/**
 * What an unmanaged identity holds that a manifest does not write, shown where a plan adopts it, so that a reviewer
 * can spot an account someone else registered first. Names only: credential types, linked providers
 * (`provider:subject`, the credential identifiers, never tokens) and verified addresses. `credentials` and `providers`
 * are absent when the live identity was read without its credentials.
 */
export interface Holdings {
  credentials?: string[];
  providers?: string[];
  verified_addresses: string[];
}

export interface SetPlan {
  name: string;
  /** How the set pairs declared and live identities, and how its key values are compared (absent: exactly). A create
   * refused because its identity already exists is paired again this way. */
  key?: KeySpec;
  fold?: KeyFold;
  /** The set may adopt unmanaged identities (`spec.adopt`); a refused create is paired again with the same rule. */
  adopt?: boolean;
  actions: Action[];
  /** How many live identities the set manages (its marker), for the default delete cap. */
  managed?: number;
  /** Digest of every live identity the set's plan depends on (matched or managed), for `apply --plan`. */
  state_digest: string;
}

export interface Summary {
  create: number;
  update: number;
  delete: number;
  adopt: number;
  noop: number;
}

export interface Plan {
  sets: SetPlan[];
  summary: Summary;
  /** Problems that forbid applying (conflicting ownership, duplicate live keys, adoption refused). */
  issues: Issue[];
  /** The options the plan was made with (adoption rules), for pairing refused creates again during apply. */
  options?: PlanOptions;
  /**
   * Unique values moved between identities: per write (its subject, `set/key`), the subjects of the updates that free
   * a value it takes, which apply writes first. Absent when nothing moves.
   */
  after?: Record<string, string[]>;
}

/**
 * How the server compares the values of a key trait that its identity schema marks as a credential identifier
 * (Kratos identity/extension_credentials.go): `lower` for password and webauthn identifiers (`strings.ToLower`);
 * `trimEmail` for `code` identifiers sent by e-mail (x.NormalizeIdentifier: lower-cased and trimmed when the value
 * holds an `@`). Values that fold to the same string are one identity to the server.
 */
export interface KeyFold {
  lower: boolean;
  trimEmail: boolean;
  /** The server normalizes identifiers by the PRECIS rules of Kratos after v26.2.0 (see `precisFold`). */
  precis?: boolean;
  /** The key is a phone number the server normalizes to E.164 (a `code` identifier via sms; see `phoneFold`). */
  phone?: boolean;
}

/** How the server normalizes credential identifiers and addresses (Capabilities.identifierRules). */
export type IdentifierRules = "lower" | "precis";

export interface PlanOptions {
  /** Delete managed identities no longer declared, for every set (in addition to `spec.prune`). */
  prune?: boolean;
  /**
   * Adopt unmanaged identities whose key matches, in every set (`--adopt`). Without it only sets with `spec.adopt`
   * adopt; in the others such an identity is a plan error.
   */
  adopt?: boolean;
  /** How the user allows adoption, named in that error's hint (default: `spec.adopt: true` or `--adopt`). */
  adoptHint?: string;
  /**
   * Per set name: the name the set had before (a renamed Pulumi IdentitySet). Identities whose marker names the former
   * name are the set's: paired and updated as its own, their marker moved to the new name; none is deleted or created.
   */
  renamedFrom?: Readonly<Record<string, string>>;
  /** Managed identities that a set without prune no longer declares are released: their marker is removed. */
  release?: boolean;
  /** The sets are destroyed: their deletes carry the reason `destroy` (else `not_in_configuration`). */
  destroy?: boolean;
  /** Per set name: how its key values are compared (absent: exactly). Derived from the server's identity schemas. */
  keyFolds?: Readonly<Record<string, KeyFold>>;
  /**
   * The server's identity schemas (`GET /schemas`), when read: which traits hold credential identifiers and
   * addresses, so that writes that would clash over them are found before writing, and a create that only clashes
   * with a pruned identity of its set is planned as that identity's rename. Without them only external_id is seen.
   */
  schemas?: ReadonlyArray<{ id: string; schema: unknown }>;
  /** How the server normalizes identifiers and addresses before comparing them (default `lower`). */
  identifierRules?: IdentifierRules;
  /**
   * The server's password credential timestamps show a password changed outside ory-reconcile (Kratos >= v25, Ory
   * Network; see passwordChangedOutside): an `enforce` password changed that way is set again.
   */
  passwordChanges?: boolean;
}

/** One subject string per identity, used in every plan line, progress line, error and result. */
export function subject(set: string, key: string): string {
  return `${set}/${key}`;
}

/** The key as outputs show it: its label when the key is sensitive. */
export function shownKey(item: { key: string; label?: string }): string {
  return item.label ?? item.key;
}
