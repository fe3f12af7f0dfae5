// `Identity`: one Pulumi resource per identity, Pulumi-style camelCase inputs, the same engine underneath.
import * as pulumi from "@pulumi/pulumi";
import type { Json, PasswordPolicy } from "../reconcile/core/types";
import { defaultSet } from "./scope";
import { MODULE } from "./identity-set";
import { identityProvider } from "./provider";
import type { RecoveryOutput } from "./recovery-outputs";

export interface VerifiableAddress {
  value: string;
  via: string;
  verified?: boolean;
  status?: string;
}

export interface IdentityArgs {
  /** Must satisfy the identity schema; holds the key (default `traits.email`). */
  traits: pulumi.Input<Record<string, Json>>;
  schemaId?: pulumi.Input<string>;
  metadataPublic?: pulumi.Input<Json>;
  /** Your keys; the ownership marker (`ory_reconcile`) is added by the engine and never shown as drift. */
  metadataAdmin?: pulumi.Input<Json>;
  state?: pulumi.Input<"active" | "inactive">;
  /** Only on servers that support it (Ory Network, Kratos >= v25). */
  externalId?: pulumi.Input<string>;
  /** Always stored as a Pulumi secret. Set when the identity is created; re-set on change with policy `enforce`. */
  password?: pulumi.Input<string>;
  /** `initial` (default): only at creation; `enforce`: re-set whenever the declared password changes. */
  passwordPolicy?: pulumi.Input<PasswordPolicy>;
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

const OUTPUTS = ["schemaId", "traits", "metadataPublic", "metadataAdmin", "state", "externalId", "password", "passwordPolicy", "verifiableAddresses", "adopt", "set", "key", "recoveryLinks"] as const;

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

  constructor(name: string, args: IdentityArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(OUTPUTS.map((property) => [property, undefined]));
    Object.assign(props, args, { password: args.password === undefined ? undefined : pulumi.secret(args.password) });
    const urn = pulumi.createUrn(name, `pulumi-nodejs:dynamic/${MODULE}:Identity`, opts?.parent);
    props.defaultSet = urn.apply((value) => defaultSet(pulumi.getProject(), pulumi.getStack(), name, value));
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "password", "recoveryLinks"];
    super(identityProvider, name, props, { ...opts, additionalSecretOutputs: secrets }, MODULE, "Identity");
  }
}
