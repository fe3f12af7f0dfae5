// The two dynamic providers: ONE shared instance per resource type. Pulumi serializes a provider into the state of
// every resource it manages (the `__provider` string), so these are deliberately tiny: each method loads the
// runtime (the adapter over the engine) by package name in the provider process, then delegates to it.
//
// Pulumi 3.248's closure serializer never captures `require` (parseFunction.ts lists it as a module global), so a
// `require(...)` inside a method runs in the provider process. There, the provider string is compiled by
// `require-from-string` with an empty file name: a bare `require("ory-reconcile/...")` would only search
// `<cwd>/node_modules` and never finds the package's own `exports` (self-reference needs a parent file inside the
// package). `createRequire(<cwd>/…)` searches `<cwd>/node_modules` (a project that installed ory-reconcile) AND
// resolves self-references (this repository's root Pulumi.yaml). The provider process runs in the project dir.
// Captured: the two strings below and `load`. Not captured: the engine, clients, endpoints, keys.
import type { dynamic } from "@pulumi/pulumi";
import type { Runtime } from "./runtime";

const RUNTIME = "ory-reconcile/resources/runtime";

function load(): Runtime {
  const { createRequire } = require("node:module") as typeof import("node:module");
  const { join } = require("node:path") as typeof import("node:path");
  try {
    return createRequire(join(process.cwd(), "pulumi-provider.js"))(RUNTIME) as Runtime;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(
      `cannot load ${RUNTIME} from ${process.cwd()}: ${reason}; install and build ory-reconcile in this Pulumi project`,
    );
  }
}

function delegate(kind: "identitySet" | "identity"): dynamic.ResourceProvider {
  return {
    configure: async (req) => load().configure(req.config),
    check: async (olds, news) => load()[kind].check(olds, news),
    diff: async (id, olds, news) => load()[kind].diff(id, olds, news),
    create: async (inputs) => load()[kind].create(inputs),
    read: async (id, props) => load()[kind].read(id, props),
    update: async (id, olds, news) => load()[kind].update(id, olds, news),
    delete: async (id, props) => load()[kind].delete(id, props),
  };
}

export const identitySetProvider = delegate("identitySet");
export const identityProvider = delegate("identity");
