import { createOryClient } from "../../../src/ory/client";
import { RatePacer, rateLimitWindow, requestClass } from "../../../src/ory/pacer";
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
const limited = (remaining: number, resetSeconds: number) => headers({ "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": String(resetSeconds) });

/** Resolves once every pending promise callback has run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("rateLimitWindow", () => {
  it("reads remaining and the reset (seconds from now, or epoch seconds)", () => {
    expect(rateLimitWindow(limited(7, 3), T0)).toEqual({ remaining: 7, resetAt: T0 + 3000 });
    expect(rateLimitWindow(headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(T0 / 1000 + 5) }), T0)).toEqual({ remaining: 0, resetAt: T0 + 5000 });
  });

  it("is undefined without both headers or with unreadable ones", () => {
    expect(rateLimitWindow(headers({}), T0)).toBeUndefined();
    expect(rateLimitWindow(headers({ "x-ratelimit-remaining": "5" }), T0)).toBeUndefined();
    expect(rateLimitWindow(headers({ "x-ratelimit-remaining": "many", "x-ratelimit-reset": "3" }), T0)).toBeUndefined();
  });
});

describe("requestClass", () => {
  it("tells reads from writes", () => {
    expect(["GET", "head", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"].map(requestClass)).toEqual(["read", "read", "read", "write", "write", "write", "write"]);
  });
});

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
      return json(200, { id: "x" }, { "x-ratelimit-limit": "5", "x-ratelimit-remaining": String(5 - used), "x-ratelimit-reset": resetSeconds });
    });
    const ory = createOryClient({ endpoint: "http://kratos.test", fetch: server.fetch, retry: retryPolicy({ now: clock.now, sleep: clock.sleep, random: () => 0.5 }) });
    await Promise.all(Array.from({ length: 40 }, (_, i) => ory.patchIdentity(`id-${i}`, [{ op: "replace", path: "/state", value: "active" }])));
    expect(answers).toHaveLength(40);
    expect(answers.filter((status) => status === 429)).toEqual([]);
  });
});
