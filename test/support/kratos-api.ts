// Direct admin API calls for arranging and checking test state (seeding, out-of-band changes, reading back).
import { createOryClient } from "../../src/ory";
import type { LiveIdentity } from "../../src/reconcile/types";

export function admin(adminUrl: string) {
  return createOryClient({ endpoint: adminUrl, retry: { retries: 0 } });
}

export async function liveByEmail(adminUrl: string): Promise<Map<string, LiveIdentity>> {
  const all = await admin(adminUrl).listIdentities({ pageSize: 1000 });
  return new Map(all.map((i) => [String((i.traits as { email?: string }).email), i]));
}

/** Logs in through Kratos' public API login flow; true when the password is accepted. */
export async function canLogIn(publicUrl: string, identifier: string, password: string): Promise<boolean> {
  const flow = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { ui: { action: string } };
  const response = await fetch(flow.ui.action, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ method: "password", identifier, password }),
  });
  if (response.status === 200) return true;
  if (response.status === 400) return false;
  throw new Error(`unexpected login answer ${response.status}: ${await response.text()}`);
}
