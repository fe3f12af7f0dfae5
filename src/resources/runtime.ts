// The provider runtime: what the serialized providers (provider.ts) load by package name in the Pulumi provider
// process (`ory-reconcile/resources/runtime`). It is never serialized; it brings in the engine and the client.
import type { dynamic } from "@pulumi/pulumi";
import { configure } from "./connection";
import { identityMethods } from "./identity-provider";
import { identitySetMethods } from "./identity-set-provider";

/** The CRUD methods of one resource type, with its own input and output types. */
export interface Methods<I, O> {
  check(olds: I, news: I): Promise<dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<dynamic.DiffResult>;
  create(inputs: I): Promise<dynamic.CreateResult<O>>;
  read(id: string, props?: O): Promise<{ id?: string; props?: O; inputs?: I }>;
  update(id: string, olds: O, news: I): Promise<dynamic.UpdateResult<O>>;
  delete(id: string, props: O): Promise<void>;
}

export interface Runtime {
  configure(config: { get(key: string): string | undefined }): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  identitySet: Methods<any, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  identity: Methods<any, any>;
}

export { configure };
export const identitySet = identitySetMethods;
export const identity = identityMethods;

// This module is what provider.ts loads as `Runtime`: checked at compile time.
const self: Runtime = { configure, identitySet, identity };
void self;
