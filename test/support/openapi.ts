// Checks requests against Ory's published OpenAPI documents (/work/shared/ory-openapi): the operation exists (path
// and method), path and query parameters are declared and their values match their schemas (required ones present),
// and a body matches the operation's request schema with $refs resolved in the document's components. Bodies are
// checked strictly: a property the schema does not declare is a problem (Kratos decodes create bodies strictly and
// fails the request), and so are a body where none is expected and a missing required one.
import Ajv, { ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Recorded } from "./proxy";

const DIR = process.env.ORY_OPENAPI_DIR ?? "/work/shared/ory-openapi";
export const NETWORK_DOC = "ory-network-client-v1.22.43.json";
export const KRATOS_V1_DOC = "kratos-v1.3.1.json";
export const KRATOS_V26_DOC = "kratos-v26.2.0.json";
export const SPEC_FILES = [KRATOS_V1_DOC, KRATOS_V26_DOC, NETWORK_DOC];

/** A request as sent: method, full URL, parsed JSON body (undefined when none). */
export interface SentRequest {
  method: string;
  url: URL;
  body: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}
interface OperationSpec {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
}
interface OpenApi {
  paths: Record<string, Record<string, OperationSpec>>;
  components: { schemas: Record<string, unknown> };
}

/**
 * Known errors of a document, each allowed as narrowly as possible:
 * - kratos-v1.3.1 declares `page_size <= 500`, but v1.3.1's keyset paginator has no maximum: ory-reconcile asks
 *   for 1000 there (src/ory/capabilities.ts), and test/integration/ory/client.test.ts shows the server returns 1000.
 * - kratos-v1.3.1 marks a recovery address's `id` required, also in create bodies, where no id can exist yet; the
 *   server does not require it (it assigns one), and v26.2.0 fixed the schema (required: value, via).
 */
const ERRATA: Record<string, { pageSizeMax?: number; recoveryAddressIdOptional?: boolean }> = {
  [KRATOS_V1_DOC]: { pageSizeMax: 1000, recoveryAddressIdOptional: true },
};

interface Loaded {
  spec: OpenApi;
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
}

const cache = new Map<string, Loaded>();

export function loadSpec(file: string): OpenApi {
  return load(file).spec;
}

function load(file: string): Loaded {
  let loaded = cache.get(file);
  if (!loaded) {
    const spec = JSON.parse(readFileSync(join(DIR, file), "utf8")) as OpenApi;
    const components = strict(JSON.parse(JSON.stringify(spec.components))) as OpenApi["components"];
    const errata = ERRATA[file] ?? {};
    const recovery = components.schemas.recoveryIdentityAddress as { required?: string[] } | undefined;
    if (errata.recoveryAddressIdOptional && recovery?.required)
      recovery.required = recovery.required.filter((name) => name !== "id");
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: "doc", components });
    loaded = { spec, ajv, validators: new Map() };
    cache.set(file, loaded);
  }
  return loaded;
}

/** Every object schema that lists its properties and says nothing about others gets `additionalProperties: false`;
 * schemas inside allOf/anyOf/oneOf are left alone (a combination would reject its own parts' properties). */
function strict(node: unknown, combined = false): unknown {
  if (Array.isArray(node)) return node.map((item) => strict(item, combined));
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = strict(value, ["allOf", "anyOf", "oneOf"].includes(key));
  if (!combined && out.properties && typeof out.properties === "object" && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

/** The operation a request targets: the matching path template with the most literal segments. */
function findOperation(
  spec: OpenApi,
  method: string,
  pathname: string,
): { template: string; params: Record<string, string>; operation: OperationSpec } | undefined {
  let best:
    { template: string; params: Record<string, string>; operation: OperationSpec; literals: number } | undefined;
  const segments = pathname.split("/");
  for (const [template, operations] of Object.entries(spec.paths)) {
    const parts = template.split("/");
    const operation = operations[method.toLowerCase()];
    if (!operation || parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (name === undefined) return part === segments[i];
      params[name] = decodeURIComponent(segments[i]);
      return segments[i] !== "";
    });
    const literals = parts.filter((part) => !part.startsWith("{")).length;
    if (matches && (!best || literals > best.literals)) best = { template, params, operation, literals };
  }
  return best;
}

/** A request's operation in a document, e.g. `listIdentities` (`listIdentities?ids` when filtered by ids,
 * `listIdentities?credentials_identifier` when looked up by a credential identifier). */
export function operationName(file: string, request: SentRequest): string | undefined {
  const found = findOperation(loadSpec(file), request.method, specPath(request.url.pathname));
  const id = found?.operation.operationId;
  if (id !== "listIdentities") return id;
  const filter = ["ids", "credentials_identifier"].find((name) => request.url.searchParams.has(name));
  return filter ? `${id}?${filter}` : id;
}

/** Kratos serves /admin/version on its admin port; the documents list it as /version. */
function specPath(pathname: string): string {
  return pathname === "/admin/version" ? "/version" : pathname;
}

function coerce(value: string, schema: Record<string, unknown> | undefined): unknown {
  const type = schema?.type;
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

/** Problems of one request against one document (empty when it conforms). */
export function conformance(file: string, request: SentRequest): string[] {
  const { spec, ajv, validators } = load(file);
  const pathname = specPath(request.url.pathname);
  const what = `${file}: ${request.method} ${pathname}`;
  const found = findOperation(spec, request.method, pathname);
  if (!found) return [`${file}: no operation ${request.method} ${pathname}`];
  const { operation, params, template } = found;
  const problems: string[] = [];
  const errata = ERRATA[file] ?? {};
  const check = (key: string, schema: unknown, value: unknown, label: string) => {
    if (!schema) return;
    let validate = validators.get(key);
    if (!validate) validators.set(key, (validate = ajv.compile(rewriteRefs(schema) as object)));
    if (!validate(value))
      problems.push(
        ...(validate.errors ?? []).map((e) => `${what} ${label}${e.instancePath} ${e.message}${extra(e.params)}`),
      );
  };

  for (const parameter of operation.parameters ?? []) {
    const key = `${request.method} ${template} ${parameter.in}:${parameter.name}`;
    let schema = parameter.schema;
    if (parameter.name === "page_size" && errata.pageSizeMax !== undefined && schema)
      schema = { ...schema, maximum: errata.pageSizeMax };
    if (parameter.in === "path") {
      check(key, schema, params[parameter.name], `path parameter ${parameter.name}`);
    } else if (parameter.in === "query") {
      const values = request.url.searchParams.getAll(parameter.name);
      if (values.length === 0) {
        if (parameter.required) problems.push(`${what} lacks the required query parameter ${parameter.name}`);
        continue;
      }
      if (schema?.type === "array") {
        check(
          key,
          schema,
          values.map((v) => coerce(v, schema.items as Record<string, unknown>)),
          `query ${parameter.name}`,
        );
      } else if (values.length > 1) {
        problems.push(`${what} repeats the query parameter ${parameter.name}, which takes one value`);
      } else {
        check(key, schema, coerce(values[0], schema), `query ${parameter.name}`);
      }
    }
  }
  const declared = new Set((operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name));
  for (const name of new Set(request.url.searchParams.keys())) {
    if (!declared.has(name)) problems.push(`${what} has undeclared query parameter ${name}`);
  }

  const bodySpec = operation.requestBody;
  const schema = bodySpec?.content?.["application/json"]?.schema;
  if (request.body === undefined) {
    if (bodySpec?.required) problems.push(`${what} lacks its required body`);
  } else if (!bodySpec) {
    problems.push(`${what} has a body, but the operation takes none`);
  } else if (!schema) {
    problems.push(`${what} has a JSON body, but the operation declares no application/json body`);
  } else {
    check(`${request.method} ${template} body`, schema, request.body, "body");
  }
  return problems;
}

function extra(params: Record<string, unknown>): string {
  return typeof params.additionalProperty === "string" ? `: ${params.additionalProperty}` : "";
}

/** `#/components/...` as a reference into the document registered as `doc`. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `doc${value}` : rewriteRefs(value);
  }
  return strict(out);
}

/** A request the recording proxy saw, in the checker's shape. */
export function sentRequest(recorded: Pick<Recorded, "method" | "path" | "body">): SentRequest {
  return {
    method: recorded.method,
    url: new URL(recorded.path, "http://recorded.invalid"),
    body: recorded.body === undefined ? undefined : JSON.parse(recorded.body),
  };
}
