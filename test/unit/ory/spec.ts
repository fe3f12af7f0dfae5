// Checks requests against Ory's published OpenAPI documents (/work/shared/ory-openapi): the operation exists, every
// query parameter is declared, and a body matches the operation's schema.
import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Call } from "./fake";

const DIR = process.env.ORY_OPENAPI_DIR ?? "/work/shared/ory-openapi";
export const SPEC_FILES = ["kratos-v1.3.1.json", "kratos-v26.2.0.json", "ory-network-client-v1.22.43.json"];

interface Parameter {
  name: string;
  in: string;
}
interface OperationSpec {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}
interface OpenApi {
  paths: Record<string, Record<string, OperationSpec>>;
  components: { schemas: Record<string, unknown> };
}

const cache = new Map<string, OpenApi>();
export function loadSpec(file: string): OpenApi {
  let spec = cache.get(file);
  if (!spec) {
    spec = JSON.parse(readFileSync(join(DIR, file), "utf8")) as OpenApi;
    cache.set(file, spec);
  }
  return spec;
}

function findOperation(spec: OpenApi, method: string, pathname: string): OperationSpec | undefined {
  for (const [template, operations] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(pathname)) return operations[method.toLowerCase()];
  }
  return undefined;
}

/** Problems of one recorded call against one spec (empty when it conforms). */
export function conformance(file: string, call: Call): string[] {
  const spec = loadSpec(file);
  // Kratos serves /admin/version on its admin port; the documents list it as /version.
  const pathname = call.url.pathname === "/admin/version" ? "/version" : call.url.pathname;
  const operation = findOperation(spec, call.method, pathname);
  if (!operation) return [`${file}: no operation ${call.method} ${pathname}`];
  const declared = new Set((operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name));
  const problems = [...new Set(call.url.searchParams.keys())]
    .filter((name) => !declared.has(name))
    .map((name) => `${file}: ${call.method} ${pathname} has undeclared query parameter ${name}`);
  const schema = operation.requestBody?.content?.["application/json"]?.schema;
  if (schema && call.body !== undefined) {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile({ ...(schema as object), components: spec.components });
    if (!validate(call.body)) {
      problems.push(...(validate.errors ?? []).map((e) => `${file}: ${call.method} ${pathname} body${e.instancePath} ${e.message}`));
    }
  }
  return problems;
}
