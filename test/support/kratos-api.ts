// Direct admin API calls for arranging and checking test state (seeding, out-of-band changes, reading back).
import { createOryClient } from "../../src/ory";
import type { LiveIdentity } from "../../src/reconcile/core/types";

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

/** Logs in through Kratos' public API login flow and returns the session token (throws when refused). */
export async function sessionToken(publicUrl: string, identifier: string, password: string): Promise<string> {
  const flow = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { ui: { action: string } };
  const response = await fetch(flow.ui.action, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ method: "password", identifier, password }),
  });
  if (response.status !== 200) throw new Error(`login refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { session_token: string }).session_token;
}

/**
 * Submits Kratos' public API settings flow for the logged-in user, as a user does in self-service: `body` is one
 * method's form (`{ method: "profile", traits }`, `{ method: "password", password }`); returns the traits the server
 * then holds (throws when refused).
 */
export async function selfServiceSettings(
  publicUrl: string,
  token: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const headers = { "x-session-token": token, accept: "application/json" };
  const flow = (await (await fetch(`${publicUrl}/self-service/settings/api`, { headers })).json()) as {
    ui: { action: string };
  };
  const response = await fetch(flow.ui.action, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`settings refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { identity: { traits: Record<string, unknown> } }).identity.traits;
}

/** Changes the logged-in user's own traits through the settings flow (method `profile`); returns the new traits. */
export function changeOwnTraits(
  publicUrl: string,
  token: string,
  traits: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return selfServiceSettings(publicUrl, token, { method: "profile", traits });
}
