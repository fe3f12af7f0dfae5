import { inspect } from "node:util";
import {
  apiErrorFromResponse,
  OryApiError,
  OryNetworkError,
  redact,
  ServerUnreachableError,
  UncertainWriteError,
} from "../../../src/ory/errors";

const op = { method: "PATCH", path: "/admin/identities/6d5f" };

describe("apiErrorFromResponse", () => {
  it("takes the reason of an Ory error body", async () => {
    const body = {
      error: {
        code: 409,
        status: "Conflict",
        reason: "This identity conflicts with another identity that already exists.",
        message: "The resource could not be created due to a conflict",
      },
    };
    const error = await apiErrorFromResponse(op, new Response(JSON.stringify(body), { status: 409 }));
    expect(error).toBeInstanceOf(OryApiError);
    expect({ ...error, message: error.message }).toEqual({
      kind: "api",
      name: "OryApiError",
      method: "PATCH",
      path: "/admin/identities/6d5f",
      status: 409,
      reason: "This identity conflicts with another identity that already exists.",
      retriable: false,
      message:
        "PATCH /admin/identities/6d5f failed with 409: This identity conflicts with another identity that already exists.",
    });
  });

  it("falls back to the error message when there is no reason", async () => {
    const body = { error: { code: 404, status: "Not Found", message: "Unable to locate the resource" } };
    const error = await apiErrorFromResponse(op, new Response(JSON.stringify(body), { status: 404 }));
    expect([error.status, error.reason, error.retriable]).toEqual([404, "Unable to locate the resource", false]);
  });

  it("reads OAuth-style and plain message bodies", async () => {
    const oauth = await apiErrorFromResponse(
      op,
      new Response(JSON.stringify({ error: "unauthorized", error_description: "token expired" }), { status: 401 }),
    );
    expect(oauth.reason).toBe("token expired");
    const plain = await apiErrorFromResponse(
      op,
      new Response(JSON.stringify({ message: "slow down" }), { status: 429 }),
    );
    expect([plain.reason, plain.retriable]).toEqual(["slow down", true]);
  });

  it("uses the status text for bodies that are not JSON", async () => {
    const error = await apiErrorFromResponse(
      op,
      new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    );
    expect([error.reason, error.retriable]).toEqual(["Bad Gateway", true]);
    const bare = await apiErrorFromResponse(op, new Response("", { status: 500 }));
    expect(bare.reason).toBe("no details from the server");
  });

  it("redacts secrets the server echoes", async () => {
    const body = { error: { reason: "invalid token ory_pat_SECRET123" } };
    const error = await apiErrorFromResponse(op, new Response(JSON.stringify(body), { status: 401 }), [
      "ory_pat_SECRET123",
    ]);
    expect(error.reason).toBe("invalid token (sensitive)");
    expect(inspect(error)).not.toContain("SECRET123");
    expect(JSON.stringify(error)).not.toContain("SECRET123");
  });
});

describe("error messages", () => {
  it("name the request and what to do", () => {
    expect(new UncertainWriteError({ method: "POST", path: "/admin/identities" }, "ECONNRESET").message).toBe(
      "POST /admin/identities: no reliable answer (ECONNRESET); the write may or may not have been applied, verify the server state before repeating it",
    );
    const refused = {
      code: "ECONNREFUSED",
      reason: "connection refused",
      hint: "check the endpoint and that the server is running",
      terminal: false,
    };
    expect(new ServerUnreachableError("http://127.0.0.1:4434/admin/version", refused, 3).message).toBe(
      "server unreachable at http://127.0.0.1:4434/admin/version: connection refused (ECONNREFUSED) after 3 attempts; check the endpoint and that the server is running",
    );
    const badPort = {
      code: undefined,
      reason: 'fetch refuses port 9 (a "bad port" in the fetch standard)',
      hint: "use another port",
      terminal: true,
    };
    expect(new ServerUnreachableError("http://127.0.0.1:9/admin/version", badPort, 1).message).toBe(
      'server unreachable at http://127.0.0.1:9/admin/version: fetch refuses port 9 (a "bad port" in the fetch standard); use another port',
    );
    const reset = { code: "ECONNRESET", reason: "connection reset", hint: "", terminal: false };
    expect(
      new OryNetworkError(
        { method: "GET", path: "/admin/identities" },
        "http://127.0.0.1:4434/admin/identities",
        reset,
        7,
      ).message,
    ).toBe("GET http://127.0.0.1:4434/admin/identities: connection reset (ECONNRESET) after 7 attempts");
  });

  it("marks 429 and 5xx except 501 as retriable", () => {
    expect([429, 500, 503, 501, 400].map((status) => new OryApiError(op, status, "x").retriable)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("redact", () => {
  it("replaces every occurrence and ignores empty secrets", () => {
    expect(redact("k k k", ["k", ""])).toBe("(sensitive) (sensitive) (sensitive)");
    expect(redact("abc", [])).toBe("abc");
  });
});
