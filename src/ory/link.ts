// RFC 8288 `Link` headers, as Ory sends them for pagination:
//   </admin/identities?page_size=250&page_token=00000000-…>; rel="first",</admin/identities?page_size=250&page_token=3b7b…>; rel="next"
// Targets may be relative or absolute; `rel` may be quoted, unquoted or hold several space-separated values.

export interface Link {
  url: string;
  rels: string[];
}

const LINK = /<([^>]*)>((?:\s*;\s*[^\s=;,]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,]*))?)*)/g;
const PARAM = /;\s*([^\s=;,]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,]*)))?/g;

export function parseLinkHeader(header: string | null | undefined): Link[] {
  if (!header) return [];
  const links: Link[] = [];
  for (const [, url, params] of header.matchAll(LINK)) {
    const rels: string[] = [];
    for (const [, name, quoted, bare] of params.matchAll(PARAM)) {
      if (name.toLowerCase() !== "rel") continue;
      rels.push(...(quoted ?? bare ?? "").trim().toLowerCase().split(/\s+/).filter(Boolean));
    }
    links.push({ url: url.trim(), rels });
  }
  return links;
}

/** The absolute URL of the `rel="next"` link, resolved against `base`, or undefined when there is none. */
export function nextLink(header: string | null | undefined, base: string): string | undefined {
  const next = parseLinkHeader(header).find((link) => link.rels.includes("next"));
  return next ? new URL(next.url, base).toString() : undefined;
}

/** The pagination parameters of a page URL, in the SDK's names. */
export interface PageQuery {
  pageToken?: string;
  pageSize?: number;
  page?: number;
  perPage?: number;
}

/** Reads the pagination parameters out of a next-page URL; undefined when it has none (it cannot be followed). */
export function pageQueryOf(url: string): PageQuery | undefined {
  const params = new URL(url).searchParams;
  const query: PageQuery = {};
  const number = (name: string) => {
    const value = params.get(name);
    return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  if (params.has("page_token")) query.pageToken = params.get("page_token") ?? "";
  if (number("page_size") !== undefined) query.pageSize = number("page_size");
  if (number("page") !== undefined) query.page = number("page");
  if (number("per_page") !== undefined) query.perPage = number("per_page");
  return Object.keys(query).length > 0 ? query : undefined;
}
