// Summarizes a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --profile`): the functions with the most self
// time, self time per package / source file, and inclusive time per function. Usage: node bench/profile-top.js <file.cpuprofile> [top=25]
"use strict";
const { readFileSync } = require("node:fs");

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node bench/profile-top.js <file.cpuprofile> [top]\n");
  process.exit(2);
}
const top = Number(topArg || 25);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] || 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) || 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(frame) {
  const url = frame.url || "";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith("node:")) return "node internals";
  if (!url) return frame.functionName && frame.functionName.startsWith("(") ? frame.functionName : "native";
  return url.replace(/^file:\/\//, "").replace(/^.*\/(dist|src|bench)\//, "$1/");
}

const functions = new Map();
const places = new Map();
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  const name = `${frame.functionName || "(anonymous)"} ${where(frame)}:${frame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) || 0) + us);
  places.set(where(frame), (places.get(where(frame)) || 0) + us);
}
// Inclusive time: a function's self time plus everything it called (counted once per sample even when recursive).
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children || []) parent.set(child, node.id);
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at).callFrame;
    if (!frame.url) continue;
    const name = `${frame.functionName || "(anonymous)"} ${where(frame)}:${frame.lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) || 0) + us);
  }
}
const ms = (us) => (us / 1000).toFixed(1).padStart(9);
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5);
const print = (title, map) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${ms(us)} ms ${pct(us)} %  ${name}\n`);
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
print("self time by package / file", places);
print("self time by function", functions);
print("inclusive time by function (self + callees)", inclusive);
