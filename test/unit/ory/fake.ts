// A scripted stand-in for fetch: records every call and answers from a handler. No network, no timers.
import { RetryPolicy, retryPolicy } from "../../../src/ory/retry";

export interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
  signal?: AbortSignal;
}

export type Handler = (call: Call, index: number) => Response | Error | Promise<Response | Error>;

export function fakeFetch(handler: Handler): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fake = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const text = typeof init.body === "string" ? init.body : undefined;
    const call: Call = {
      method: (init.method ?? "GET").toUpperCase(),
      url: new URL(String(input)),
      headers: Object.fromEntries(new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).entries()),
      body: text === undefined ? undefined : JSON.parse(text),
      signal: init.signal ?? undefined,
    };
    calls.push(call);
    const answer = await handler(call, calls.length - 1);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch: fake as typeof fetch, calls };
}

/** Answers in order; the last answer repeats. */
export function sequence(...answers: Array<Response | Error | (() => Response | Error)>): Handler {
  return (_call, index) => {
    const answer = answers[Math.min(index, answers.length - 1)];
    return typeof answer === "function" ? answer() : answer;
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export function kratosError(status: number, reason: string, message = "The request failed"): Response {
  return json(status, { error: { code: status, status: "Error", reason, message } });
}

/** What undici's fetch throws: `TypeError("fetch failed")` with the socket error as `cause`. */
export function networkError(code: string, message = `socket: ${code}`): Error {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) });
}

/** A policy that never waits and records the delays it was asked for. */
export function instantPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { delays: number[] } {
  const delays: number[] = [];
  const policy = retryPolicy({
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    now: () => 1_700_000_000_000,
    ...overrides,
  });
  return Object.assign(policy, { delays });
}
