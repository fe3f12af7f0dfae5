// `IdentitySet`: one Pulumi resource per manifest set, planned and applied by the same engine as the CLI.
import * as pulumi from "@pulumi/pulumi";
import type { Summary } from "../reconcile/core/types";
import { identitySetProvider } from "./provider";
import { withFingerprints } from "../reconcile/core/fingerprint";
import { loadSet, setDigest, SetSource } from "./set-source";
import type { RecoveryOutput } from "./recovery-outputs";

/** Type tokens are `pulumi-nodejs:dynamic/ory-reconcile:<Type>`. */
export const MODULE = "ory-reconcile";

export interface IdentitySetArgs {
  /** A manifest file or directory holding the set; relative to the program's working directory (Pulumi's rule). */
  manifest?: string;
  /** With `manifest`: the set to take when the path holds several (`metadata.name`). */
  setName?: string;
  /** Instead of `manifest`: the set inline, in manifest format (`apiVersion`, `kind`, `metadata`, `spec`). */
  set?: pulumi.Input<Record<string, unknown>>;
  /**
   * Delete identities managed by this set that are no longer declared, and everything it manages when the resource
   * is destroyed; overrides `spec.prune` when given. Without prune, destroying the resource releases its identities.
   */
  prune?: pulumi.Input<boolean>;
}

function hasCredentials(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasCredentials);
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(value).some(([key, item]) => key === "credentials" || hasCredentials(item));
}

/**
 * The set's name and the digest of its resolved declaration, read at program time. An invalid declaration yields
 * neither: the provider's `check` then reports every issue as a Pulumi check failure. The fingerprints of `enforce`
 * passwords that the digest covers (scrypt, about 0.3 s each) are computed in parallel, each value once per process.
 */
async function describe(source: SetSource): Promise<{ setName?: string; digest?: string }> {
  const loaded = loadSet(source);
  if (!loaded.ok) return { setName: source.setName };
  const [set] = await withFingerprints([loaded.set]);
  return { setName: set.name, digest: setDigest(set) };
}

export class IdentitySet extends pulumi.dynamic.Resource {
  /** The set's name: its ownership scope. */
  declare readonly setName: pulumi.Output<string>;
  /** The set's key, as `spec.key` writes it. */
  declare readonly key: pulumi.Output<string>;
  /** key -> identity id, for every identity the set manages. */
  declare readonly ids: pulumi.Output<Record<string, string>>;
  /** Digest of the live state of the managed identities (refresh updates it). */
  declare readonly stateDigest: pulumi.Output<string>;
  /** The plan of the last apply: create, update, delete, adopt, noop. */
  declare readonly counts: pulumi.Output<Summary>;
  /** Whether destroying this resource deletes the identities it manages (true) or releases them (false). */
  declare readonly prune: pulumi.Output<boolean>;
  /**
   * Secret: `[{set, key, id, method, link, code?, expires_at}]`, the recovery (invite) links and codes issued when
   * the set created identities that declare `recovery:`; kept while the set manages them.
   */
  declare readonly recoveryLinks: pulumi.Output<RecoveryOutput[] | undefined>;

  constructor(name: string, args: IdentitySetArgs, opts?: pulumi.CustomResourceOptions) {
    const { manifest, setName, prune } = args;
    let described: pulumi.Input<{ setName?: string; digest?: string }>;
    let set: pulumi.Output<unknown> | undefined;
    if (args.set === undefined) {
      described = describe({ manifest, setName });
    } else {
      const inline = pulumi.output(args.set);
      described = inline.apply((value) => describe({ set: value }));
      // Passwords written inline stay secret in the state.
      set = inline.apply((value): pulumi.Input<unknown> => (hasCredentials(value) ? pulumi.secret(value) : value));
    }
    const info = pulumi.output(described);
    const props = {
      manifest,
      set,
      prune,
      setName: info.apply((d) => d.setName),
      digest: info.apply((d) => d.digest),
      key: undefined,
      ids: undefined,
      stateDigest: undefined,
      counts: undefined,
      recoveryLinks: undefined,
    };
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "recoveryLinks"];
    super(identitySetProvider, name, props, { ...opts, additionalSecretOutputs: secrets }, MODULE, "IdentitySet");
  }
}
