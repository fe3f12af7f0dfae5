// The cost of applying a plan on Ory Network: requests per rate-limit bucket, and how long the rate limits the
// server announced make the apply take (about: see waitSeconds). Pure: the requests the plan's own reads made (which an apply makes
// again when it plans) and the limits are measured by the caller (see RequestTally).
import type { Capabilities } from "./capabilities";
import { AnnouncedWindow, announcedWindows, Bucket, BUCKETS } from "./buckets";
import { BATCHES_IN_FLIGHT, createBatchSizes } from "./capabilities";
import { notInPutBody } from "./bodies";
import type { Action, Plan } from "./types";

/** Ids per read-back request (the client's `ids` chunk). */
const IDS_PER_READ = 100;

/** The JSON plan's `estimate`: what `apply` of this plan costs. */
export interface Estimate {
  /** Requests per bucket (buckets with none left out): the plan's reads, made again by apply, plus the writes and read-backs. */
  requests: Partial<Record<Bucket, number>>;
  /** The windows the server announced per bucket (`x-ratelimit-limit`), for the buckets the plan's reads met. */
  limits: Partial<Record<Bucket, AnnouncedWindow[]>>;
  /** Buckets with requests but no announced limits: timed with the limits of `kratos-admin-medium`, the bucket every plan reads. */
  assumed?: Bucket[];
  /** Seconds the apply waits for rate-limit windows, about (see waitSeconds; the server's own time not included). */
  seconds: number;
}

/** How the apply will run (the flags that change its requests). */
export interface EstimateOptions {
  concurrency?: number;
  prehashPasswords?: boolean;
}

/**
 * The requests per bucket that applying `plan` sends once its own plan is made, assuming every write succeeds the
 * first time: create batches (`PATCH /admin/identities`, sized as applyPlan sizes them) and their read-backs
 * (`GET /admin/identities?ids=`: one per batch, and one per 100 creates that declare addresses); per update one
 * `PATCH /admin/identities/{id}`, or when credentials change a `GET` (kratos-admin-high), a `PUT` and a `PATCH` of
 * what a PUT cannot carry; one `DELETE …/credentials/{type}` per credential type declared absent and one
 * `DELETE …/credentials/oidc|saml?identifier=` per link removed; two `DELETE /admin/identities/{id}/sessions` (before
 * and after the write) per update or adoption that revokes sessions; one `POST /admin/recovery/link|code` per
 * create that declares `recovery:`; one `DELETE /admin/identities/{id}` per delete. All writes count in
 * `kratos-admin-low`. Retries (429, 5xx) and conflicts resolved during the apply are not foreseen.
 */
export function applyRequests(
  plan: Plan,
  caps: Capabilities,
  options: EstimateOptions = {},
): Partial<Record<Bucket, number>> {
  const out: Partial<Record<Bucket, number>> = {};
  const add = (bucket: Bucket, n: number) => {
    if (n > 0) out[bucket] = (out[bucket] ?? 0) + n;
  };
  const actions = plan.sets.flatMap((set) => set.actions);
  const creates = actions.filter((a): a is Extract<Action, { action: "create" }> => a.action === "create");
  if (creates.length > 0) {
    const plaintext = !options.prehashPasswords && creates.some((a) => a.credentials?.password?.kind === "password");
    const limit = plaintext ? caps.batchCreateLimitWithPassword : caps.batchCreateLimit;
    const inFlight = Math.min(Math.max(1, options.concurrency ?? 8), BATCHES_IN_FLIGHT);
    let start = 0;
    for (const size of createBatchSizes(creates.length, limit, inFlight)) {
      const batch = creates.slice(start, (start += size));
      const withAddresses = batch.filter(
        (a) => a.body.verifiable_addresses !== undefined || a.body.recovery_addresses !== undefined,
      ).length;
      add("kratos-admin-low", 1);
      add("kratos-admin-medium", 1 + Math.ceil(withAddresses / IDS_PER_READ));
    }
  }
  for (const action of actions) {
    if (action.action === "update" || action.action === "adopt") {
      if (!action.credentials) add("kratos-admin-low", action.patch.length > 0 ? 1 : 0);
      else {
        add("kratos-admin-high", 1);
        add("kratos-admin-low", 1 + (action.patch.some(notInPutBody) ? 1 : 0));
      }
      add(
        "kratos-admin-low",
        (action.remove?.length ?? 0) + (action.unlinkSaml?.length ?? 0) + (action.unlink?.length ?? 0),
      );
      if (action.revoke_sessions) add("kratos-admin-low", 2);
    }
    if (action.action === "create" && action.recovery) add("kratos-admin-low", 1);
    if (action.action === "delete") add("kratos-admin-low", 1);
  }
  return out;
}

/**
 * Seconds that `n` requests wait under these windows, about: windows are aligned, so `n` requests need ceil(n / limit)
 * windows of each and span (ceil(n / limit) - 1) of them; the slowest window decides. A first request late in its
 * window makes the real wait up to one window shorter; the server's own time makes it longer.
 */
export function waitSeconds(n: number, windows: ReadonlyArray<AnnouncedWindow>): number {
  return windows.reduce(
    (most, w) => Math.max(most, w.limit > 0 ? (Math.ceil(n / w.limit) - 1) * w.window_seconds : 0),
    0,
  );
}

/**
 * The estimate: `planReads` (requests per bucket the plan made, which apply makes again) plus applyRequests, timed
 * with `limits` (per bucket, as announced). Buckets are mostly used one after another (reads, creates, updates,
 * deletes), so their waits are added. Undefined when the server announced no limits (self-hosted Kratos).
 */
export function estimateApply(
  plan: Plan,
  caps: Capabilities,
  planReads: Partial<Record<Bucket, number>>,
  limits: Partial<Record<Bucket, AnnouncedWindow[]>>,
  options: EstimateOptions = {},
): Estimate | undefined {
  const announced = Object.values(limits).some((windows) => (windows?.length ?? 0) > 0);
  if (!announced) return undefined;
  const writes = applyRequests(plan, caps, options);
  const requests: Partial<Record<Bucket, number>> = {};
  for (const bucket of BUCKETS) {
    const n = (planReads[bucket] ?? 0) + (writes[bucket] ?? 0);
    if (n > 0) requests[bucket] = n;
  }
  const assumed: Bucket[] = [];
  let seconds = 0;
  for (const bucket of BUCKETS) {
    const n = requests[bucket];
    if (n === undefined) continue;
    let windows = limits[bucket];
    if (!windows?.length) {
      windows = limits["kratos-admin-medium"];
      if (bucket !== "default") assumed.push(bucket);
    }
    seconds += waitSeconds(n, bucket === "default" && !limits.default?.length ? [] : (windows ?? []));
  }
  return { requests, limits: { ...limits }, ...(assumed.length > 0 ? { assumed } : {}), seconds };
}

/**
 * Counts requests per bucket and keeps the limits each bucket announced, from the client's request events. A
 * request the rate limit refused (429) is counted by no bucket (Ory counts it in no window) and retried.
 */
export class RequestTally {
  readonly requests: Partial<Record<Bucket, number>> = {};
  readonly limits: Partial<Record<Bucket, AnnouncedWindow[]>> = {};
  readonly record = (event: { bucket?: string; status?: number; rateLimit?: string }): void => {
    if (event.status === undefined || event.status === 429) return;
    const bucket = (event.bucket ?? "default") as Bucket;
    this.requests[bucket] = (this.requests[bucket] ?? 0) + 1;
    const windows = announcedWindows(event.rateLimit);
    if (windows.length > 0) this.limits[bucket] = windows;
  };
}
