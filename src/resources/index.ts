// Pulumi dynamic resources over the ory-reconcile engine.
export { IdentitySet, MODULE } from "./identity-set";
export type { IdentitySetArgs } from "./identity-set";
export { Identity } from "./identity";
export type { IdentityArgs, VerifiableAddress } from "./identity";
