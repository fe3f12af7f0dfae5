// `Identity`: one Pulumi resource per identity, Pulumi-style camelCase inputs, the same engine underneath.
import * as pulumi from "@pulumi/pulumi";
import type { Json, PasswordPolicy } from "../reconcile/core/types";
import { defaultSet } from "./scope";
import { MODULE } from "./identity-set";
import { identityProvider } from "./provider";
import type { RecoveryOutput } from "./recovery-outputs";

/** A verifiable address as Kratos stores it (`verifiable_addresses[]`): `via` is `email` or `sms`. */
export interface VerifiableAddress {
  value: string;
  via: string;
  verified?: boolean;
  status?: string;
}

/**
 * The declaration of an {@link Identity}: the Ory admin API fields in camelCase, checked exactly as a manifest
 * identity (values are taken literally: no `${env:…}` / `${file:…}`), plus the resource's own `adopt`, `set`, `key`
 * and `recovery`. Fields left out are not managed (except `metadataPublic`, `metadataAdmin` and `state`, which are
 * always compared: absent means null / null / `active`).
 */
export interface IdentityArgs {
  /** Must satisfy the identity schema; holds the key (default `traits.email`). */
  traits: pulumi.Input<Record<string, Json>>;
  /** The identity schema; absent: the server's default schema on create, and not managed afterwards. */
  schemaId?: pulumi.Input<string>;
  /** Shown to the user by Ory's self-service APIs; absent: null. */
  metadataPublic?: pulumi.Input<Json>;
  /** Your keys; the ownership marker (`ory_reconcile`) is added by the engine and never shown as drift. */
  metadataAdmin?: pulumi.Input<Json>;
  /** Absent: `active`. Deactivating revokes the identity's sessions (Kratos only suspends them otherwise). */
  state?: pulumi.Input<"active" | "inactive">;
  /** Only on servers that support it (Ory Network, Kratos >= v25). */
  externalId?: pulumi.Input<string>;
  /** Always stored as a Pulumi secret. Set when the identity is created; re-set on change with policy `enforce`. */
  password?: pulumi.Input<string>;
  /** `initial` (default): only at creation; `enforce`: re-set whenever the declared password changes. */
  passwordPolicy?: pulumi.Input<PasswordPolicy>;
  /** Absent: not managed (the server derives them from the schema's traits); given: compared as Kratos stores them. */
  verifiableAddresses?: pulumi.Input<pulumi.Input<VerifiableAddress>[]>;
  /** Take over an existing identity with the same key (default false: that is an error). */
  adopt?: pulumi.Input<boolean>;
  /**
   * The ownership scope written into the marker. Default: unique to the stack and this resource
   * (`<project>-<stack>-<name>-<hash of the URN>`); a resource created with the former shared default `pulumi` keeps it.
   */
  set?: pulumi.Input<string>;
  /** How an existing identity is found for `adopt`: `traits.<path>` or `external_id` (default `traits.email`). */
  key?: pulumi.Input<string>;
  /** Invite: when the resource creates the identity, ask for a recovery link or code (see `recoveryLinks`). */
  recovery?: pulumi.Input<{ method?: "link" | "code"; expiresIn?: string }>;
}

const OUTPUTS = [
  "schemaId",
  "traits",
  "metadataPublic",
  "metadataAdmin",
  "state",
  "externalId",
  "password",
  "passwordPolicy",
  "verifiableAddresses",
  "adopt",
  "set",
  "key",
  "recoveryLinks",
] as const;

/**
 * One identity as a Pulumi resource, planned and written by the engine the CLI uses, as a set of one whose name
 * (`set`) is its ownership scope. `pulumi up` creates it (adopting an existing identity with the same key only with
 * `adopt: true`) or updates it in place (a JSON Patch; a PUT only when the password is re-set; a new `set` moves the
 * marker); `pulumi refresh` reads it back and shows drift per property; `pulumi destroy` deletes it only while its
 * ownership marker names the resource's set (otherwise it is left on the server).
 *
 * Ory API calls, through the provider's connection (as {@link IdentitySet}): on create those of `planSets`
 * (`GET /admin/version`, the identities by key: `GET /admin/identities/by/external/{id}` or `GET /admin/identities`,
 * `GET /schemas`) and `applyPlan` (`PATCH /admin/identities`, `POST /admin/recovery/link|code` with `recovery`),
 * then `GET /admin/identities/{id}`; on update (after `GET /admin/version`), refresh and destroy
 * `GET /admin/identities/{id}` and the write (`PATCH`/`PUT`/`DELETE /admin/identities/{id}`,
 * `DELETE /admin/identities/{id}/sessions` when sessions are revoked).
 *
 * Errors: invalid inputs are check failures naming the property, nothing sent; a plan with issues (an unmanaged
 * identity with the same key without `adopt`, a value another identity holds) fails the step and writes nothing; a
 * failed write fails the step with the server's reason; an identity deleted out of band fails `update` with the hint
 * to run `pulumi refresh`. The password is always a Pulumi secret and never appears in clear in messages.
 */
export class Identity extends pulumi.dynamic.Resource {
  declare readonly schemaId: pulumi.Output<string | undefined>;
  declare readonly traits: pulumi.Output<Record<string, Json>>;
  declare readonly metadataPublic: pulumi.Output<Json | undefined>;
  declare readonly metadataAdmin: pulumi.Output<Json | undefined>;
  declare readonly state: pulumi.Output<string | undefined>;
  declare readonly externalId: pulumi.Output<string | undefined>;
  declare readonly password: pulumi.Output<string | undefined>;
  declare readonly passwordPolicy: pulumi.Output<PasswordPolicy | undefined>;
  declare readonly verifiableAddresses: pulumi.Output<VerifiableAddress[] | undefined>;
  declare readonly adopt: pulumi.Output<boolean>;
  declare readonly set: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  /** Secret: `[{set, key, id, method, link, code?, expires_at}]`, issued when the resource created the identity
   * with `recovery`. */
  declare readonly recoveryLinks: pulumi.Output<RecoveryOutput[] | undefined>;

  /**
   * `name`: the Pulumi resource name (part of the default `set`); `args`: the identity ({@link IdentityArgs});
   * `opts`: Pulumi resource options (`password` and `recoveryLinks` are always added to `additionalSecretOutputs`).
   * Calls no Ory API itself.
   */
  constructor(name: string, args: IdentityArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(OUTPUTS.map((property) => [property, undefined]));
    Object.assign(props, args, { password: args.password === undefined ? undefined : pulumi.secret(args.password) });
    const urn = pulumi.createUrn(name, `pulumi-nodejs:dynamic/${MODULE}:Identity`, opts?.parent);
    props.defaultSet = urn.apply((value) => defaultSet(pulumi.getProject(), pulumi.getStack(), name, value));
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "password", "recoveryLinks"];
    super(identityProvider, name, props, { ...opts, additionalSecretOutputs: secrets }, MODULE, "Identity");
  }
}
