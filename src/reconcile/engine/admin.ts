// What the engine needs from an Ory admin API client. src/ory implements it over the official SDK; tests may
// wrap it (recording, fault injection happens in a proxy in front of the real server, not here).
import type { Capabilities } from "../core/capabilities";
import type { ImportedType, JsonObject, LiveIdentity, PatchOp, RecoveryDecl } from "../core/types";
import type { RecoveryGrant } from "../../ory/recovery";

export type { RecoveryGrant };

export type { Capabilities };

export type BatchItemResult =
  | { patchId: string; ok: true; id: string }
  | { patchId: string; ok: false; status?: number; reason: string; whole?: true };

export interface OryAdmin {
  capabilities(): Promise<Capabilities>;
  /** `map` is applied to each identity as its page arrives (the engine keeps only what the planner reads). */
  /**
   * `credentialIdentifiers`: every credential's identifiers (OIDC links included), never a credential's config.
   * `includeCredential`: credential types whose config is included (as `include_credential`).
   */
  listIdentities(options?: {
    pageSize?: number;
    onPage?: (count: number) => void;
    credentialIdentifiers?: boolean;
    includeCredential?: string[];
    map?: (identity: LiveIdentity) => LiveIdentity;
    consistency?: "strong";
  }): Promise<LiveIdentity[]>;
  /** `GET /admin/identities?credentials_identifier=…`: the identities whose credential identifier (login e-mail,
   * username) is this value, compared as the server compares them. Optional: without it the engine lists instead. */
  listIdentitiesByCredentialIdentifier?(identifier: string): Promise<LiveIdentity[]>;
  /** `consistency: "strong"` for a read that must see this run's own writes. */
  listIdentitiesByIds(ids: string[], options?: { consistency?: "strong" }): Promise<LiveIdentity[]>;
  /** Ory Network / Kratos >= v25: the identity with this external_id, undefined when none. Optional: without it the
   * engine lists identities instead. */
  getIdentityByExternalId?(externalId: string): Promise<LiveIdentity | undefined>;
  listSchemas(): Promise<Array<{ id: string; schema: unknown }>>;
  getIdentity(id: string, includeCredentials?: string[]): Promise<LiveIdentity>;
  batchCreate(items: Array<{ patchId: string; body: JsonObject }>): Promise<BatchItemResult[]>;
  createIdentity(body: JsonObject): Promise<LiveIdentity>;
  patchIdentity(id: string, ops: PatchOp[]): Promise<LiveIdentity>;
  putIdentity(id: string, body: JsonObject): Promise<LiveIdentity>;
  /** A 404 means someone else deleted it first: the goal is reached all the same. */
  deleteIdentity(id: string): Promise<"deleted" | "already-gone">;
  /** Removes one OIDC/SAML link (`provider:subject`) of an identity; its other links stay. */
  deleteCredentialIdentifier(
    id: string,
    type: "oidc" | "saml",
    identifier: string,
  ): Promise<"deleted" | "already-gone">;
  /** `DELETE /admin/identities/{id}/credentials/{type}`: removes a whole credential type (a 404 is the goal reached).
   * Optional: without it a plan that removes one fails that identity. */
  deleteCredentialType?(id: string, type: ImportedType): Promise<"deleted" | "already-gone">;
  /** Whether the server imports `credentials.<type>` (probed without writing). Optional: without it only what a
   * create answers tells. */
  importsCredential?(type: ImportedType): Promise<boolean>;
  /** `POST /admin/recovery/link|code`. Optional: without it a plan that asks for one is refused before writing. */
  createRecovery?(identityId: string, recovery: RecoveryDecl): Promise<RecoveryGrant>;
  /** Why the server would refuse to issue recovery links or codes of `method` (its reason), asked without issuing
   * one; undefined when it would issue them. Optional: without it apply reports a refusal after the create. */
  recoveryRefusedBy?(method: RecoveryDecl["method"]): Promise<string | undefined>;
  /** `DELETE /admin/identities/{id}/sessions`: revokes all its sessions; "none" when it had none (404). */
  deleteIdentitySessions(id: string): Promise<"revoked" | "none">;
}
