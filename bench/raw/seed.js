// Raw baseline for seeding: sends pre-built batches (`PATCH /admin/identities`, one JSON body per batch, built by
// the benchmark before the clock starts) with plain fetch, [concurrency] batches in flight (default 1); counts created identities.
// No retries, no verification, no manifest: the least work a client can do to create these identities.
//
// Usage: node bench/raw/seed.js <admin-url> <batches.json> [concurrency]
"use strict";
const { readFileSync } = require("node:fs");

async function main() {
  const [adminUrl, file, concurrencyArg] = process.argv.slice(2);
  const batches = JSON.parse(readFileSync(file, "utf8")).map((batch) => JSON.stringify(batch));
  let next = 0;
  let created = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++];
      const response = await fetch(`${adminUrl}/admin/identities`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body,
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
      created += answer.identities.filter((item) => item.action === "create").length;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrencyArg || 1) }, worker));
  process.stdout.write(`${created}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
