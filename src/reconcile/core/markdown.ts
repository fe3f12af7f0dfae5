// `plan --output markdown`: a plan for a pull-request comment. A summary table (per set: create, update, delete,
// adopt, no-op), then one collapsible <details> block per identity (or per summarized `generate` entry) with its field
// changes as the text plan shows them (secrets and sensitive values are already redacted in the JSON plan). Every
// string from the manifests or the server is escaped, so that it can neither break the table nor inject HTML,
// links or mentions; a long plan is cut with a count, so that the whole comment fits GitHub's limit.
import { planItems, PlanItem } from "./groups";
import { formatIssue, placeOf } from "./issues";
import type { JsonPlan } from "./jsonplan";
import { printablePlan } from "./printable";
import { actionHead, actionLines, changeLine } from "./render";
import { estimateLines, groupHead, groupNotes, unmanagedLines } from "./render-extras";

/** GitHub's limit for a comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Field changes shown per identity at most. */
export const CHANGES_SHOWN = 50;

/** Room kept for the lines that say what was cut. */
const RESERVED = 600;

/**
 * Text for an inline position (a table cell, a summary): HTML's special characters and the ASCII punctuation that
 * Markdown, GFM tables and autolinks act on as character references, which render as the characters themselves.
 */
export function inline(text: string): string {
  return text.replace(/[&<>"'`*_[\]()|~\\#!@:.{}+=$^]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text for a <pre> block (raw HTML, no Markdown inside): HTML's special characters escaped. */
export function pre(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

const code = (text: string) => `<code>${inline(text)}</code>`;

/** The items of `items` that fit into `budget` characters (in order, each whole), and how many did not. */
function fit(items: string[], budget: number): { kept: string[]; omitted: number; used: number } {
  const kept: string[] = [];
  let used = 0;
  for (const item of items) {
    if (used + item.length > budget) break;
    kept.push(item);
    used += item.length;
  }
  return { kept, omitted: items.length - kept.length, used };
}

function preBlock(lines: string[]): string {
  return `<pre>\n${lines.map(pre).join("\n")}\n</pre>\n`;
}

function itemBlock(set: string, item: PlanItem): string {
  let head: string;
  let lines: string[];
  if (item.kind === "group") {
    head = groupHead(set, item);
    lines = item.shared.map((change) => changeLine(item.action, change));
    if (item.varying.length > 0) lines.push(`differs per copy: ${item.varying.join(", ")}`);
    lines.push(...groupNotes(item));
  } else {
    const action = item.action;
    head = actionHead(set, action);
    lines = actionLines(action);
    if (action.action === "adopt" && action.holds) {
      const list = (values: string[] | undefined) =>
        values === undefined ? "(not read)" : values.length > 0 ? values.join(", ") : "none";
      lines.unshift(
        `holds credentials: ${list(action.holds.credentials)}; providers: ${list(action.holds.providers)}; verified addresses: ${list(action.holds.verified_addresses)}`,
      );
    }
  }
  if (lines.length > CHANGES_SHOWN)
    lines = [
      ...lines.slice(0, CHANGES_SHOWN),
      `… and ${lines.length - CHANGES_SHOWN} more changes (see the JSON plan)`,
    ];
  return `<details><summary>${code(head)}</summary>\n\n${preBlock(lines)}</details>\n`;
}

/**
 * The Markdown plan, at most `limit` characters (default GitHub's comment limit). `verbose`: every identity of a
 * `generate` entry on its own (see planItems).
 */
export function renderMarkdownPlan(raw: JsonPlan, options: { verbose?: boolean; limit?: number } = {}): string {
  const plan = printablePlan(raw);
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const s = plan.summary;
  const head =
    `### ory-reconcile plan\n\n` +
    `**Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.adopt} to adopt.**` +
    (s.noop > 0 ? ` ${s.noop} ${s.noop === 1 ? "identity is" : "identities are"} unchanged.` : "") +
    `\n\n| Set | Create | Update | Delete | Adopt | No-op |\n|---|--:|--:|--:|--:|--:|\n`;
  const extras = [
    ...(plan.unmanaged ? unmanagedLines(plan.unmanaged) : []),
    ...(plan.estimate ? estimateLines(plan.estimate) : []),
  ];
  const tail = extras.length > 0 ? `\n${preBlock(extras)}` : "";
  let budget = limit - head.length - tail.length - RESERVED;

  const rows = plan.sets.map((set) => {
    const n = (kind: string) => set.actions.filter((a) => a.action === kind).length;
    return `| ${code(set.name)} | ${n("create")} | ${n("update")} | ${n("delete")} | ${n("adopt")} | ${set.noop ?? 0} |\n`;
  });
  const table = fit(rows, budget);
  budget -= table.used;
  const issues = fit(
    (plan.issues ?? []).map((issue) => {
      return preBlock(
        `Error: ${formatIssue({ pos: placeOf(issue), message: issue.message, hint: issue.hint })}`.split("\n"),
      );
    }),
    budget,
  );
  budget -= issues.used;
  const items = plan.sets.flatMap((set) =>
    planItems(set.actions, options.verbose).map((item) => ({
      block: itemBlock(set.name, item),
      identities: item.kind === "group" ? item.count : 1,
    })),
  );
  const blocks = fit(
    items.map((item) => item.block),
    budget,
  );
  const omitted = items.slice(blocks.kept.length).reduce((n, item) => n + item.identities, 0);

  let out = head + table.kept.join("");
  if (table.omitted > 0) out += `| … and ${table.omitted} more sets | | | | | |\n`;
  if (issues.kept.length > 0 || issues.omitted > 0)
    out += `\n**Errors** (nothing can be applied until they are fixed):\n\n${issues.kept.join("")}`;
  if (issues.omitted > 0) out += `\n… and ${issues.omitted} more errors (run the plan as text to see all).\n`;
  if (blocks.kept.length > 0) out += `\n${blocks.kept.join("")}`;
  if (omitted > 0)
    out += `\n… and ${omitted} more ${omitted === 1 ? "identity" : "identities"} (the comment is cut to fit; see the JSON plan for all of them).\n`;
  return out + tail;
}
