// Paces requests from the server's `x-ratelimit-remaining` / `x-ratelimit-reset` headers (Ory Network), so a run
// slows down before the budget is spent instead of collecting 429s. Classes are tracked apart: the fetch paces each
// rate-limit bucket of Ory Network on its own (buckets.ts; an answer describes its own bucket's windows), and a
// request that still meets a 429 is retried as usual.
// When the headers describe several windows (a burst and a sustained one), the tightest is followed: the least
// remaining, and with nothing left the latest reset (see `rateLimitWindow` in rate-limit.ts for the formats read).
// A reset of `0` (a server that rounds the time left down, for a window in its last fraction of a second) is the next
// whole second: the budget holds until then and a spent window waits until then, instead of probing again at once.
//
// Per class:
// - Nothing known yet: one request goes alone; the others wait for its answer (and its headers). Unless an answer of
//   the other class came without the headers: a server that limits sends them on every answer (Ory Network), so one
//   that sent none (self-hosted Kratos) does not limit, and its first write need not go alone.
// - An answer without the headers: the server does not limit this class; nothing is paced.
// - With the headers: a request goes while the window has budget left, counting requests already in flight as
//   spent; otherwise it waits for the window's reset (at most `maxWaitMs`), then one request probes again. Within
//   a window the budget only shrinks: a late answer (sent before others that were answered first) cannot raise it.
import { rateLimitWindow } from "./rate-limit";

/** What is paced apart: `read`/`write`, or an Ory Network rate-limit bucket (see buckets.ts), as the caller groups. */
export type RequestClass = string;

interface ClassState {
  phase: "unknown" | "probing" | "known";
  /** Present while a limited window is known: requests we may still send in it, and when it ends. */
  window?: { budget: number; resetAt: number };
  inFlight: number;
  waiting: Array<() => void>;
}

export interface PacerClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Called when the attempt is over, with the answer's headers (undefined when no answer arrived). */
export type Release = (headers?: { get(name: string): string | null }) => void;

export class RatePacer {
  private readonly states = new Map<RequestClass, ClassState>();
  /**
   * Whether the server limits requests: true once any answer carried rate-limit headers, false while answers came
   * without them, undefined before the first answer. False lets a class skip its lone first request.
   */
  private limits: boolean | undefined;

  constructor(
    private readonly clock: PacerClock,
    private readonly maxWaitMs: number,
  ) {}

  /** Waits until a request of this class may go; the returned function must be called once it is answered. */
  async acquire(kind: RequestClass, signal?: AbortSignal): Promise<Release> {
    const state = this.state(kind);
    for (;;) {
      signal?.throwIfAborted();
      if (state.phase === "unknown" && this.limits === false) {
        state.phase = "known";
        return this.sent(state, false);
      }
      if (state.phase === "unknown") {
        state.phase = "probing";
        return this.sent(state, true);
      }
      if (state.phase === "probing") {
        await new Promise<void>((resolve) => state.waiting.push(resolve));
        continue;
      }
      const window = state.window;
      if (!window) return this.sent(state, false);
      const now = this.clock.now();
      if (now >= window.resetAt) {
        state.window = undefined;
        state.phase = "unknown";
        continue;
      }
      if (window.budget > 0) {
        window.budget--;
        return this.sent(state, false);
      }
      await this.clock.sleep(Math.min(window.resetAt - now, this.maxWaitMs), signal);
      // The window is over (a fake clock in tests may not have moved): learn the next one from a probe.
      if (state.window === window) {
        state.window = undefined;
        state.phase = "unknown";
      }
    }
  }

  private state(kind: RequestClass): ClassState {
    let state = this.states.get(kind);
    if (!state) this.states.set(kind, (state = { phase: "unknown", inFlight: 0, waiting: [] }));
    return state;
  }

  private sent(state: ClassState, probe: boolean): Release {
    state.inFlight++;
    let released = false;
    return (headers) => {
      if (released) return;
      released = true;
      state.inFlight--;
      const seen = headers && rateLimitWindow(headers, this.clock.now());
      if (seen) {
        // Requests still in flight may not have been counted by the server yet: count them as spent. Answers can
        // arrive out of order, so within a known window the budget only shrinks and the reset only moves later.
        const budget = Math.max(0, seen.remaining - state.inFlight);
        const current = state.window && this.clock.now() < state.window.resetAt ? state.window : undefined;
        state.window = current
          ? { budget: Math.min(current.budget, budget), resetAt: Math.max(current.resetAt, seen.resetAt) }
          : { budget, resetAt: seen.resetAt };
        state.phase = "known";
        this.limits = true;
      } else if (headers) {
        this.limits ??= false;
        if (probe) state.phase = "known";
      } else if (probe) {
        state.phase = "unknown";
      }
      if (probe || seen) state.waiting.splice(0).forEach((wake) => wake());
    };
  }
}
