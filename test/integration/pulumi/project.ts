// Helpers of the Pulumi integration tests: stacks (test/support/pulumi.ts), the built runtime, and a few direct
// calls to Kratos (admin API reads/writes out of band, the public login flow).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { LiveIdentity } from "../../../src/reconcile/core/types";
import { REPO } from "../../support/pulumi";

export { REPO, testStack as projectStack } from "../../support/pulumi";
export type { TestStack as ProjectStack } from "../../support/pulumi";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The provider process runs the BUILT runtime (dist/). Builds it when any source is newer; a lock directory keeps
 * parallel test files from building at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  const built = join(REPO, "dist", "resources", "runtime.js");
  const fresh = () => existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(REPO, "src"));
  if (fresh()) return;
  const lock = join(REPO, ".pulumi", "build.lock");
  mkdirSync(join(REPO, ".pulumi"), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) break; // a stale lock: build anyway
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!fresh()) execFileSync("npm", ["run", "--silent", "build"], { cwd: REPO, stdio: "inherit" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Direct admin API calls, independent of the code under test. */
export function adminApi(adminUrl: string) {
  const json = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${adminUrl}${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...init?.headers },
    });
    if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : ((await response.json()) as unknown);
  };
  return {
    list: async () => (await json("/admin/identities?page_size=1000")) as LiveIdentity[],
    get: async (id: string) => (await json(`/admin/identities/${id}`)) as LiveIdentity,
    create: async (body: object) =>
      (await json("/admin/identities", { method: "POST", body: JSON.stringify(body) })) as LiveIdentity,
    patch: async (id: string, ops: object[]) =>
      (await json(`/admin/identities/${id}`, { method: "PATCH", body: JSON.stringify(ops) })) as LiveIdentity,
    byEmail: async (email: string) =>
      ((await json("/admin/identities?page_size=1000")) as LiveIdentity[]).find((i) => i.traits?.email === email),
  };
}

/** Kratos' API login flow: GET the flow, POST the password method. Returns the HTTP status of the POST. */
export async function login(
  publicUrl: string,
  identifier: string,
  password: string,
): Promise<{ status: number; session?: { identity?: { id: string } } }> {
  const flow = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { ui: { action: string } };
  const response = await fetch(flow.ui.action, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ method: "password", identifier, password }),
  });
  const body = (await response.json()) as { session?: { identity?: { id: string } } };
  return { status: response.status, session: body.session };
}
