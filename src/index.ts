// The package's main entry (`require("ory-reconcile")`): the Pulumi resources. The CLI is `ory-reconcile`.
export { Identity, IdentitySet } from "./resources";
export type { IdentityArgs, IdentitySetArgs, VerifiableAddress } from "./resources";
