// Raw baseline for reading: every identity, page by page (`GET /admin/identities?page_size=N`, following
// `Link: rel="next"`), with plain fetch and JSON.parse; prints how many identities and pages it read.
//
// Usage: node bench/raw/list.js <admin-url> [page-size]
"use strict";

async function main() {
  const [adminUrl, pageSize] = process.argv.slice(2);
  let url = `${adminUrl}/admin/identities?page_size=${pageSize || 1000}`;
  let identities = 0;
  let pages = 0;
  while (url) {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`);
    identities += (await response.json()).length;
    pages++;
    const next = /<([^>]*)>;\s*rel="?next"?/.exec(response.headers.get("link") || "");
    url = next ? new URL(next[1], adminUrl).toString() : undefined;
  }
  process.stdout.write(`${identities} ${pages}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
