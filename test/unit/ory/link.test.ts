import { nextLink, pageQueryOf, parseLinkHeader } from "../../../src/ory/link";

const BASE = "http://127.0.0.1:4434/admin/identities?page_size=3";

describe("parseLinkHeader", () => {
  it("reads what Kratos v1.3.1 sends (relative targets, no space after the comma)", () => {
    const header =
      '</admin/identities?page_size=3&page_token=00000000-0000-0000-0000-000000000000>; rel="first",' +
      '</admin/identities?page_size=3&page_token=3b7b6c85-e3e4-4d4d-aecd-9223107794b3>; rel="next"';
    expect(parseLinkHeader(header)).toEqual([
      { url: "/admin/identities?page_size=3&page_token=00000000-0000-0000-0000-000000000000", rels: ["first"] },
      { url: "/admin/identities?page_size=3&page_token=3b7b6c85-e3e4-4d4d-aecd-9223107794b3", rels: ["next"] },
    ]);
  });

  it("reads unquoted, upper-case and multi-valued rels", () => {
    expect(parseLinkHeader('<a>; rel=next, <b>; REL="Last Prev"')).toEqual([
      { url: "a", rels: ["next"] },
      { url: "b", rels: ["last", "prev"] },
    ]);
  });

  it("keeps commas inside targets and ignores other parameters, even quoted ones with separators", () => {
    const header = '<https://x.test/list?ids=1,2&page_token=t>; title="a, b; c"; rel="next"';
    expect(parseLinkHeader(header)).toEqual([{ url: "https://x.test/list?ids=1,2&page_token=t", rels: ["next"] }]);
  });

  it("returns nothing for absent or empty headers", () => {
    expect(parseLinkHeader(null)).toEqual([]);
    expect(parseLinkHeader("")).toEqual([]);
    expect(parseLinkHeader("garbage")).toEqual([]);
  });
});

describe("nextLink", () => {
  it("resolves a relative next link against the request URL", () => {
    const header =
      '</admin/identities?page_size=3&page_token=t1>; rel="first",</admin/identities?page_size=3&page_token=t2>; rel="next"';
    expect(nextLink(header, BASE)).toBe("http://127.0.0.1:4434/admin/identities?page_size=3&page_token=t2");
  });

  it("keeps an absolute next link", () => {
    expect(nextLink('<https://p.projects.oryapis.com/admin/identities?page_token=t>; rel="next"', BASE)).toBe(
      "https://p.projects.oryapis.com/admin/identities?page_token=t",
    );
  });

  it("is undefined on the last page (only rel=first)", () => {
    expect(
      nextLink('</admin/identities?page_size=3&page_token=00000000-0000-0000-0000-000000000000>; rel="first"', BASE),
    ).toBeUndefined();
    expect(nextLink(null, BASE)).toBeUndefined();
  });
});

describe("pageQueryOf", () => {
  it("reads keyset and legacy pagination parameters", () => {
    expect(pageQueryOf("http://h/admin/identities?page_size=3&page_token=abc%3D")).toEqual({
      pageSize: 3,
      pageToken: "abc=",
    });
    expect(pageQueryOf("http://h/schemas?page=0&page_size=1&page_token=eyJ9&per_page=1")).toEqual({
      page: 0,
      pageSize: 1,
      pageToken: "eyJ9",
      perPage: 1,
    });
  });

  it("is undefined for a link without pagination parameters", () => {
    expect(pageQueryOf("http://h/admin/identities?foo=1")).toBeUndefined();
  });
});
