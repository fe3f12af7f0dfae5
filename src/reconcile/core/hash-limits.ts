// The cost bounds that Kratos after v26.2.0 enforces on imported password hashes (hash/hash_limits.go, called by
// the import handler: a hash beyond them is answered 400 "declares cost parameters that exceed the bounds enforced
// by Ory"). Checked before writing only for servers that enforce them (Capabilities.hashCostLimits). Only what the
// server's own parse reads is checked: a hash whose parameters cannot be read that way is left to the server, so this
// check never refuses what the server accepts. Pure.

/** The bounds, as hash/hash_limits.go states them. */
export const HASH_COST_BOUNDS = {
  bcryptCost: 15,
  argon2MemoryKiB: 1 << 20,
  argon2Iterations: 10,
  argon2Parallelism: 16,
  pbkdf2Iterations: 10_000_000,
  scryptN: 1 << 17,
  scryptR: 8,
  scryptP: 10,
  firescryptLogN: 17,
} as const;

const B = HASH_COST_BOUNDS;
const UINT32 = 2 ** 32;

/** A whole number that Go's `fmt.Sscanf("%d")` reads into a uint of `max` values, else undefined. */
function uint(text: string | undefined, max = UINT32): number | undefined {
  if (text === undefined || !/^\+?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n < max ? n : undefined;
}

function within(name: string, value: number, min: number, max: number): string | undefined {
  return value < min || value > max ? `${name}=${value} is not in [${min}, ${max}]` : undefined;
}

/**
 * Why a server that bounds hash costs would refuse this `hashed_password`, or undefined when it would not (or when
 * only the server can tell): e.g. `bcrypt cost=16 is not in [4, 15]`. Names parameters only, never the hash.
 *
 * - bcrypt (`$2a$`, `$2b$`, `$2y$`, `$2z$`, `$2$`): cost ≤ 15
 * - argon2id / argon2i (`$argon2id$v=19$m=…,t=…,p=…$…`): m in [1, 2^20] KiB, t in [1, 10], p in [1, 16]
 * - pbkdf2 (`$pbkdf2-sha256$i=…,l=…$…`): i in [1, 10,000,000]
 * - scrypt (`$scrypt$ln=…,r=…,p=…$…`, `ln` read as N itself): N in [1, 2^17], r in [1, 8], p in [1, 10]
 * - firescrypt (`$firescrypt$ln=…,r=…,p=…$…`): ln ≤ 17, r in [1, 8], p in [1, 10]
 */
export function hashCostProblem(hash: string): string | undefined {
  const bcrypt = /^\$2[abzy]?\$(\d\d)\$/.exec(hash);
  if (bcrypt) {
    const cost = Number(bcrypt[1]);
    return cost > B.bcryptCost && cost <= 31 ? `bcrypt cost=${cost} is not in [4, ${B.bcryptCost}]` : undefined;
  }
  const parts = hash.split("$");
  const params = (pattern: RegExp) => pattern.exec(parts[hash.startsWith("$argon2") ? 3 : 2] ?? "");
  if (/^\$argon2id?\$/.test(hash)) {
    const m = parts.length === 6 ? params(/^m=(\d+),t=(\d+),p=(\d+)/) : null;
    const [memory, iterations, parallelism] = [uint(m?.[1]), uint(m?.[2]), uint(m?.[3], 256)];
    if (memory === undefined || iterations === undefined || parallelism === undefined) return undefined;
    return (
      within("argon2 m", memory, 1, B.argon2MemoryKiB) ??
      within("argon2 t", iterations, 1, B.argon2Iterations) ??
      within("argon2 p", parallelism, 1, B.argon2Parallelism)
    );
  }
  if (/^\$pbkdf2-sha[0-9]{1,3}\$/.test(hash)) {
    const iterations = uint(params(/^i=(\d+),l=\d+/)?.[1]);
    return iterations === undefined ? undefined : within("pbkdf2 i", iterations, 1, B.pbkdf2Iterations);
  }
  const scrypt = /^\$(scrypt|firescrypt)\$/.exec(hash);
  if (scrypt) {
    const m = params(/^ln=(\d+),r=(\d+),p=(\d+)/);
    const [cost, r, p] = [uint(m?.[1]), uint(m?.[2]), uint(m?.[3])];
    if (cost === undefined || r === undefined || p === undefined) return undefined;
    const first =
      scrypt[1] === "scrypt"
        ? within("scrypt N", cost, 1, B.scryptN)
        : within("firescrypt ln", cost, 0, B.firescryptLogN);
    return first ?? within(`${scrypt[1]} r`, r, 1, B.scryptR) ?? within(`${scrypt[1]} p`, p, 1, B.scryptP);
  }
  return undefined;
}
