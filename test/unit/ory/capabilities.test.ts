// Capabilities from what the server answers: version strings of releases, `git describe` builds and unknown builds
// (decided by one probe of the by-external-id route).
import { createOryClient } from "../../../src/ory/client";
import { kratosCapabilities, kratosMajor } from "../../../src/ory/capabilities";
import { fakeFetch, Handler, instantPolicy, json } from "./fake";

const NEWER = {
  flavor: "kratos",
  externalId: true,
  organizationId: true,
  batchCreateLimit: 1000,
  batchCreateLimitWithPassword: 200,
  pageSizeMax: 500,
  idsFilterMax: 500,
  identifierRules: "lower",
  hashCostLimits: false,
  passwordChanges: true,
};
const V1 = {
  flavor: "kratos",
  externalId: false,
  organizationId: false,
  batchCreateLimit: 2000,
  batchCreateLimitWithPassword: 200,
  pageSizeMax: 1000,
  idsFilterMax: 500,
  identifierRules: "lower",
  hashCostLimits: false,
  passwordChanges: false,
};
/** A dev build of a server without the route: the limits every server accepts, no external_id. */
const UNKNOWN_OLD = { ...NEWER, externalId: false, organizationId: false, passwordChanges: false };

/** What Kratos' router answers for a path it has no route for (seen on v1.3.1 and v26.2.0). */
const routerNotFound = () =>
  new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
/** What the by-external-id handler of Kratos >= v25 answers for an id nobody has (seen on v26.2.0). */
const handlerNotFound = () =>
  json(404, { error: { code: 404, status: "Not Found", message: "Unable to locate the resource" } });

function server(version: unknown, byExternal: () => Response): { handler: Handler } {
  return {
    handler: (call) => {
      if (call.url.pathname === "/admin/version") return json(200, { version });
      if (call.url.pathname.startsWith("/admin/identities/by/external/")) return byExternal();
      return routerNotFound();
    },
  };
}

async function detect(version: unknown, byExternal: () => Response = routerNotFound) {
  const fake = fakeFetch(server(version, byExternal).handler);
  const ory = createOryClient({ endpoint: "http://kratos.test:4434", fetch: fake.fetch, retry: instantPolicy() });
  return {
    capabilities: await ory.capabilities(),
    paths: fake.calls.map((call) => call.url.pathname.replace(/probe-[-0-9a-f]+$/, "probe-<uuid>")),
  };
}

describe("capabilities from the server's answers", () => {
  it.each([
    ["v1.3.1", 1],
    ["1.3.1", 1],
    ["v26.2.0", 26],
    ["v26.2.0-202-gb86338da0", 26],
    [" v25.4.0 ", 25],
    ["master", undefined],
    ["v26", undefined],
    ["", undefined],
  ])("the major version of %j is %j", (version, major) => {
    expect(kratosMajor(version)).toBe(major);
  });

  it("a git-describe build of master is a newer Kratos, without any probe", async () => {
    const rules = { identifierRules: "precis", hashCostLimits: true };
    expect(await detect("v26.2.0-202-gb86338da0")).toEqual({
      capabilities: { version: "v26.2.0-202-gb86338da0", ...NEWER, ...rules },
      paths: ["/admin/version"],
    });
  });

  it("a release below v25 gets the v1.x limits, without any probe", async () => {
    expect(await detect("v1.3.1")).toEqual({ capabilities: { version: "v1.3.1", ...V1 }, paths: ["/admin/version"] });
  });

  it("an unknown version is not an error: one probe finds the by-external-id route of a newer server", async () => {
    expect(await detect("master", handlerNotFound)).toEqual({
      capabilities: { version: "master", ...NEWER },
      paths: ["/admin/version", "/admin/identities/by/external/ory-reconcile-probe-<uuid>"],
    });
  });

  it("an unknown version on a server without that route (the router's plain-text 404) gets no external_id", async () => {
    expect(await detect("dev-build")).toEqual({
      capabilities: { version: "dev-build", ...UNKNOWN_OLD },
      paths: ["/admin/version", "/admin/identities/by/external/ory-reconcile-probe-<uuid>"],
    });
  });

  it("a probe answered 200 (someone has that id) also means the route exists", async () => {
    expect((await detect("custom", () => json(200, { id: "x" }))).capabilities).toMatchObject({ externalId: true });
  });

  it("kratosCapabilities without a probe result keeps an unknown version conservative", () => {
    expect(kratosCapabilities("snapshot")).toEqual({ version: "snapshot", ...UNKNOWN_OLD });
  });
});
