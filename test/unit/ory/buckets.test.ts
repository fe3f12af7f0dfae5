// The rate-limit bucket of every request the tool sends, checked against Ory Network's OpenAPI document.
import { announcedWindows, rateLimitBucket } from "../../../src/reconcile/core/buckets";
import { loadSpec, NETWORK_DOC } from "../../support/openapi";

describe("rateLimitBucket", () => {
  it("gives every kratos admin operation of Ory Network's document the bucket the document names", () => {
    const spec = loadSpec(NETWORK_DOC) as unknown as {
      paths: Record<string, Record<string, { "x-ory-ratelimit-bucket"?: string }>>;
    };
    const checked: string[] = [];
    for (const [template, operations] of Object.entries(spec.paths)) {
      if (!/^\/(admin\/identities|admin\/recovery|schemas)/.test(template)) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const bucket = operation?.["x-ory-ratelimit-bucket"];
        if (typeof bucket !== "string") continue;
        const path = template.replace(/\{[^}]+\}/g, "3f1c9a52-0000-4000-8000-000000000001");
        expect([method.toUpperCase(), path, rateLimitBucket(method, path)]).toEqual([
          method.toUpperCase(),
          path,
          bucket,
        ]);
        checked.push(`${method} ${template}`);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(14);
  });

  it("matches paths under an endpoint's prefix, and puts unknown paths in default", () => {
    expect(rateLimitBucket("get", "/kratos/admin/identities/by/external/x")).toBe("kratos-admin-medium");
    expect(rateLimitBucket("GET", "/admin/version")).toBe("default");
  });
});

describe("announcedWindows", () => {
  it("reads every window of an x-ratelimit-limit value, not only the first", () => {
    expect(announcedWindows("10, 10;w=1, 300;w=60")).toEqual([
      { limit: 10, window_seconds: 1 },
      { limit: 300, window_seconds: 60 },
    ]);
    expect(announcedWindows("300;w=60, 10;w=1")).toEqual([
      { limit: 10, window_seconds: 1 },
      { limit: 300, window_seconds: 60 },
    ]);
    expect(announcedWindows('5, 5;w="1";policy="burst"')).toEqual([{ limit: 5, window_seconds: 1 }]);
    expect(announcedWindows("10")).toEqual([]);
    expect(announcedWindows(undefined)).toEqual([]);
    expect(announcedWindows("x;w=1, 7;w=0, 8;w=2")).toEqual([{ limit: 8, window_seconds: 2 }]);
  });
});
