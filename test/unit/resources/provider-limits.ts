// What a serialized provider (the `__provider` string Pulumi stores with every resource) may contain.

/**
 * Bound for one serialized provider. It is seven one-line delegating methods plus a ~10-line loader: about 2.9 KB
 * once Pulumi wraps each function. The smallest engine module it could capture by mistake (e.g. marker.ts) adds
 * ~1.5 KB, the planner alone ~10 KB, the SDK client hundreds of KB: 4 KB catches every one of them.
 */
export const MAX_PROVIDER_BYTES = 4096;

/** Names that appear only in the engine, the client or the manifest loader: none may be captured. */
export const ENGINE_NAMES = [
  "buildPlan",
  "planSets",
  "applyPlan",
  "createOryClient",
  "loadManifests",
  "deep-diff",
  "@ory/client-fetch",
  "scrypt",
];

/** The package subpath the providers load in the provider process. */
export const RUNTIME_SPECIFIER = '"ory-reconcile/resources/runtime"';
