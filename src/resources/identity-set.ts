// `IdentitySet`: one Pulumi resource per manifest set, planned and applied by the same engine as the CLI.
import * as pulumi from "@pulumi/pulumi";
import type { Summary } from "../reconcile/core/types";
import { identitySetProvider } from "./provider";
import { withFingerprints } from "../reconcile/core/fingerprint";
import { loadSet, setDigest, SetSource } from "./set-source";
import type { RecoveryOutput } from "./recovery-outputs";

/** Type tokens are `pulumi-nodejs:dynamic/ory-reconcile:<Type>`. */
export const MODULE = "ory-reconcile";

/**
 * The declaration of an {@link IdentitySet}: exactly one of `manifest` (a path) or `set` (inline); anything else is a
 * check failure before any call to the server.
 */
export interface IdentitySetArgs {
  /**
   * A manifest file or directory holding the set (YAML, `apiVersion`/`kind: IdentitySet`); relative to the program's
   * working directory (Pulumi's rule). Read at program time and again by the provider; `${env:…}` and `${file:…}`
   * references are resolved there and their values never stored in the state in clear.
   */
  manifest?: string;
  /** With `manifest`: the set to take when the path holds several (`metadata.name`); required then. */
  setName?: string;
  /**
   * Instead of `manifest`: the set inline, in manifest format (`apiVersion`, `kind`, `metadata`, `spec`); stored in
   * the state as a Pulumi secret when it declares credentials. `${file:…}` paths are relative to the program's
   * working directory.
   */
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

/**
 * One manifest set as a Pulumi resource, planned and applied by the engine the CLI uses (`planSets`, `applyPlan`):
 * `pulumi preview` logs the engine's text plan, `pulumi up` applies it, `pulumi refresh` re-reads which identities
 * the set manages, `pulumi destroy` deletes them (with prune) or releases them (their ownership marker removed).
 *
 * Ory API calls, through the provider's connection (Pulumi config `ory-reconcile:adminUrl` / secret
 * `ory-reconcile:apiKey`, else `ORY_ADMIN_URL` / `ORY_API_KEY`; never part of inputs, outputs or state): those
 * of `planSets` (`GET /admin/version`, paged `GET /admin/identities`, `GET /schemas` before a write) on every diff,
 * create, update, refresh and destroy; those of `applyPlan` (batched `PATCH /admin/identities`, `PATCH`/`PUT`/`DELETE
 * /admin/identities/{id}`, `POST /admin/recovery/link|code`) on create, update and destroy. A new set name moves the
 * marker of every identity the set manages, in place (same ids).
 *
 * Errors: an invalid declaration is a check failure per issue (`file:line:col: path: message` and a hint), nothing
 * sent; a plan with issues fails the step with every issue and writes nothing; writes that fail fail the step with
 * one line per failed identity (on create and update the resource is recorded with what was written, and the next
 * `pulumi up` tries again); errors of the server or network fail the step with the client's message. Passwords and interpolated values
 * never appear in clear in the state or in messages; recovery links only in `recoveryLinks`, a Pulumi secret.
 */
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

  /**
   * `name`: the Pulumi resource name (not the set name, which is the manifest's `metadata.name`); `args`: where the
   * set is declared ({@link IdentitySetArgs}); `opts`: Pulumi resource options (`recoveryLinks` is always added to
   * `additionalSecretOutputs`). Reads the manifest at program time (to show content changes as a diff); calls no
   * Ory API itself.
   */
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
