import { createOryClient } from "../../../src/ory/client";
import { RatePacer } from "../../../src/ory/pacer";
import { retryPolicy } from "../../../src/ory/retry";
import { fakeFetch, json } from "./fake";

const T0 = 1_700_000_000_000;

/** A clock that only moves when something sleeps on it. */
function fakeClock() {
  const clock = {
    t: T0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

const headers = (values: Record<string, string>) => new Headers(values);
const limited = (remaining: number, resetSeconds: number) =>
  headers({ "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": String(resetSeconds) });
/** One value per window in each header, e.g. ("0, 0, 299", "1, 1, 45"). */
const windows = (remaining: string, reset: string) =>
  headers({
    "x-ratelimit-limit": "10, 10;w=1, 300;w=60",
    "x-ratelimit-remaining": remaining,
    "x-ratelimit-reset": reset,
  });

/** Resolves once every pending promise callback has run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("RatePacer", () => {
  it("sends one request first; without rate-limit headers nothing is paced after its answer", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    const probe = await pacer.acquire("write");
    let second = false;
    const waiting = pacer.acquire("write").then((release) => ((second = true), release));
    await settle();
    expect(second).toBe(false);
    probe(headers({}));
    (await waiting)();
    for (let i = 0; i < 10; i++) (await pacer.acquire("write"))(headers({}));
    expect(clock.sleeps).toEqual([]);
  });

  it("once a read was answered without rate-limit headers, the first writes go together instead of one alone", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("read"))(headers({}));
    const first = await pacer.acquire("write");
    let second = false;
    const next = pacer.acquire("write").then((release) => ((second = true), release));
    await settle();
    expect(second).toBe(true);
    first(headers({}));
    (await next)(headers({}));
  });

  it("a server that sent rate-limit headers once keeps its lone first request per class, even after an answer without them", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("read"))(limited(100, 60));
    (await pacer.acquire("read"))(headers({}));
    const first = await pacer.acquire("write");
    let second = false;
    const next = pacer.acquire("write").then((release) => ((second = true), release));
    await settle();
    expect(second).toBe(false);
    first(limited(10, 60));
    (await next)();
  });

  it("spends the window's budget, then waits for its reset and probes again", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("write"))(limited(2, 10));
    (await pacer.acquire("write"))();
    (await pacer.acquire("write"))();
    expect(clock.sleeps).toEqual([]);
    const afterReset = await pacer.acquire("write");
    expect(clock.sleeps).toEqual([10000]);
    afterReset(limited(5, 10));
  });

  it("counts requests in flight as spent when an answer reports the remaining budget", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("write"))(limited(10, 10));
    const inFlight = [await pacer.acquire("write"), await pacer.acquire("write"), await pacer.acquire("write")];
    inFlight[0](limited(3, 10)); // two others are still in flight: one more may go
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([]);
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([10000]);
  });

  it("keeps reads and writes apart, and caps a wait at maxWaitMs", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 5000);
    (await pacer.acquire("write"))(limited(0, 3600));
    (await pacer.acquire("read"))(headers({}));
    (await pacer.acquire("read"))();
    expect(clock.sleeps).toEqual([]);
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([5000]);
  });

  it("with one value per window, waits for the reset of a window that has nothing left", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("write"))(windows("0, 0, 299", "1, 1, 45"));
    (await pacer.acquire("write"))(windows("9, 9, 0", "0, 0, 30"));
    expect(clock.sleeps).toEqual([1000]);
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([1000, 30000]);
  });

  it("spends only the least remaining of several windows, then waits for that window's reset (capped)", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 20000);
    (await pacer.acquire("read"))(windows(" 3, 3 , 299 ", "1,1,45"));
    for (let i = 0; i < 3; i++) (await pacer.acquire("read"))();
    expect(clock.sleeps).toEqual([]);
    (await pacer.acquire("read"))(windows("9, 9, 2", "1, 1, 45"));
    (await pacer.acquire("read"))();
    (await pacer.acquire("read"))();
    expect(clock.sleeps).toEqual([1000]);
    await pacer.acquire("read");
    expect(clock.sleeps).toEqual([1000, 20000]);
  });

  it("reads Ory Network's documented form: a list in x-ratelimit-limit, one remaining and one reset", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("write"))(
      headers({ "x-ratelimit-limit": "10, 10;w=1, 300;w=60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" }),
    );
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([1000]);
  });

  it("with a reset of 0 and nothing left, waits until the next whole second rather than probing at once", async () => {
    const clock = fakeClock();
    clock.t = T0 + 300; // windows are aligned to whole seconds: 700 ms are left of this one
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("write"))(windows("0, 0, 299", "0, 0, 45"));
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([700]);
    expect(clock.t).toBe(T0 + 1000);
  });

  it("with a reset of 0 and budget left, spends it until the next whole second without probing one by one", async () => {
    const clock = fakeClock();
    clock.t = T0 + 300;
    const pacer = new RatePacer(clock, 60000);
    (await pacer.acquire("write"))(windows("3, 3, 299", "0, 0, 45"));
    let granted = 0;
    for (let i = 0; i < 3; i++) void pacer.acquire("write").then(() => granted++);
    await settle();
    expect([granted, clock.sleeps]).toEqual([3, []]); // at once: none waits for another's answer
    await pacer.acquire("write");
    expect(clock.sleeps).toEqual([700]); // the fourth: in the next second
  });

  it("lets the next request probe when the first one got no answer", async () => {
    const clock = fakeClock();
    const pacer = new RatePacer(clock, 60000);
    const probe = await pacer.acquire("read");
    const next = pacer.acquire("read");
    probe();
    (await next)(limited(0, 2));
    await pacer.acquire("read");
    expect(clock.sleeps).toEqual([2000]);
  });

  it("stops waiting when aborted", async () => {
    const pacer = new RatePacer(fakeClock(), 60000);
    await pacer.acquire("write");
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(pacer.acquire("write", controller.signal)).rejects.toThrow("cancelled");
  });
});

describe("a client against a rate-limited server", () => {
  it("paces 40 concurrent writes through a budget of 5 per 2 s window without a single 429", async () => {
    const clock = fakeClock();
    let windowEnds = T0 + 2000;
    let used = 0;
    const answers: number[] = [];
    const server = fakeFetch(() => {
      if (clock.t >= windowEnds) {
        windowEnds = clock.t + 2000;
        used = 0;
      }
      const resetSeconds = String(Math.ceil((windowEnds - clock.t) / 1000));
      if (used >= 5) {
        answers.push(429);
        return json(429, { error: { code: 429 } }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": resetSeconds });
      }
      used++;
      answers.push(200);
      return json(
        200,
        { id: "x" },
        { "x-ratelimit-limit": "5", "x-ratelimit-remaining": String(5 - used), "x-ratelimit-reset": resetSeconds },
      );
    });
    const ory = createOryClient({
      endpoint: "http://kratos.test",
      fetch: server.fetch,
      retry: retryPolicy({ now: clock.now, sleep: clock.sleep, random: () => 0.5 }),
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ory.patchIdentity(`id-${i}`, [{ op: "replace", path: "/state", value: "active" }]),
      ),
    );
    expect(answers).toHaveLength(40);
    expect(answers.filter((status) => status === 429)).toEqual([]);
  });

  it("paces 40 concurrent writes through aligned 1 s windows whose resets are rounded down (always 0) without a 429", async () => {
    const clock = fakeClock();
    clock.t = T0 + 400;
    const limit = 5;
    const buckets = [
      { limit, ms: 1000 },
      { limit: 100, ms: 60000 },
    ].map((bucket) => ({ ...bucket, start: 0, used: 0 }));
    const answers: number[] = [];
    const server = fakeFetch(() => {
      for (const bucket of buckets) {
        const start = clock.t - (clock.t % bucket.ms); // aligned to multiples of the length since the epoch
        if (start !== bucket.start) Object.assign(bucket, { start, used: 0 });
      }
      const ok = buckets.every((bucket) => bucket.used < bucket.limit);
      if (ok) buckets.forEach((bucket) => bucket.used++);
      answers.push(ok ? 200 : 429);
      const left = buckets.map((bucket) => bucket.limit - bucket.used);
      const reset = buckets.map((bucket) => Math.floor((bucket.start + bucket.ms - clock.t) / 1000));
      const lists = {
        "x-ratelimit-limit": `${limit}, ${limit};w=1, 100;w=60`,
        "x-ratelimit-remaining": [Math.min(...left), ...left].join(", "),
        "x-ratelimit-reset": [reset[left.indexOf(Math.min(...left))], ...reset].join(", "),
      };
      return ok ? json(200, { id: "x" }, lists) : new Response(null, { status: 429, headers: lists });
    });
    const ory = createOryClient({
      endpoint: "http://kratos.test",
      fetch: server.fetch,
      retry: retryPolicy({ now: clock.now, sleep: clock.sleep, random: () => 0.5 }),
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ory.patchIdentity(`id-${i}`, [{ op: "replace", path: "/state", value: "active" }]),
      ),
    );
    expect(answers.filter((status) => status === 429)).toEqual([]);
    expect(answers).toHaveLength(40);
    expect(clock.sleeps.every((ms) => ms > 0)).toBe(true);
  });

  it("paces 60 concurrent writes through a burst (4 per 1 s) and a sustained (10 per 5 s) window given as lists", async () => {
    const clock = fakeClock();
    const buckets = [
      { limit: 4, ms: 1000 },
      { limit: 10, ms: 5000 },
    ].map((bucket) => ({ ...bucket, start: T0, used: 0 }));
    const answers: number[] = [];
    const server = fakeFetch(() => {
      for (const bucket of buckets) {
        const start = clock.t - ((clock.t - T0) % bucket.ms); // fixed windows from T0
        if (start !== bucket.start) Object.assign(bucket, { start, used: 0 });
      }
      const ok = buckets.every((bucket) => bucket.used < bucket.limit);
      if (ok) buckets.forEach((bucket) => bucket.used++);
      answers.push(ok ? 200 : 429);
      // One value per window, the tightest first: e.g. remaining "3, 3, 9" and reset "1, 1, 5".
      const remaining = buckets.map((bucket) => bucket.limit - bucket.used);
      const reset = buckets.map((bucket) => Math.ceil((bucket.start + bucket.ms - clock.t) / 1000));
      const first = remaining.indexOf(Math.min(...remaining));
      const lists = {
        "x-ratelimit-remaining": [remaining[first], ...remaining].join(", "),
        "x-ratelimit-reset": [reset[first], ...reset].join(", "),
      };
      return ok ? json(200, { id: "x" }, lists) : new Response(null, { status: 429, headers: lists });
    });
    const ory = createOryClient({
      endpoint: "http://kratos.test",
      fetch: server.fetch,
      retry: retryPolicy({ now: clock.now, sleep: clock.sleep, random: () => 0.5 }),
    });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        ory.patchIdentity(`id-${i}`, [{ op: "replace", path: "/state", value: "active" }]),
      ),
    );
    expect(answers.filter((status) => status === 429)).toEqual([]);
    expect(answers).toHaveLength(60);
  });
});
