// Pure helpers of the Identity provider: validation with the manifest's own checks and messages, the names of
// the changed properties (the engine's patch between the stored outputs and the declaration); pairing by id is the
// engine's (core/pair-by-id.ts).
import { API_VERSION, KIND, parseIdentityObject, parseSetObject } from "../manifest";
import { parsePointer } from "../reconcile/core/json";
import { userMetadataAdmin } from "../reconcile/core/marker";
import { desiredDoc, Doc } from "../reconcile/core/normalize";
import { makePatch } from "../reconcile/core/patch";
import type { DesiredIdentity, Issue } from "../reconcile/core/types";
import {
  docOf,
  FIELDS,
  IdentityInputs,
  IdentityOutputs,
  manifestIdentity,
  metaOf,
  propertyOf,
} from "./identity-fields";

/** How issues name their source (no file: an Identity is not written in a manifest). */
export const IDENTITY_SOURCE = "<Identity>";

export interface PropertyIssue {
  property: string;
  issue: Issue;
}

/** Checks an Identity's inputs exactly like a manifest identity (strings are taken literally: no `${env:…}`). */
export function validateIdentity(inputs: IdentityInputs): { identity?: DesiredIdentity; issues: PropertyIssue[] } {
  const meta = metaOf(inputs);
  const issues: PropertyIssue[] = setNameIssues(meta.set).map((issue) => ({ property: "set", issue }));
  const result = parseIdentityObject(manifestIdentity(inputs), {
    key: meta.key,
    set: meta.set,
    references: false,
    file: IDENTITY_SOURCE,
  });
  if (!result.ok)
    issues.push(...result.issues.map((issue) => ({ property: issue.path ? propertyOf(issue) : "key", issue })));
  return result.ok && issues.length === 0 ? { identity: result.identity, issues } : { issues };
}

/** The set name goes into the ownership marker: the same rule (and message) as `metadata.name` of a manifest. */
function setNameIssues(name: string): Issue[] {
  const result = parseSetObject(
    { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec: {} },
    IDENTITY_SOURCE,
    { references: false },
  );
  return result.ok ? [] : result.issues;
}

function comparable(doc: Doc): Doc {
  return { ...doc, metadata_admin: userMetadataAdmin(doc.metadata_admin) };
}

/**
 * Exactly the properties whose change needs a write or a new state: the fields the engine's patch touches
 * (stored outputs = what the server held, vs. the declaration), the password when its policy is `enforce` and its
 * value changed, and the meta properties.
 */
export function changedProperties(olds: IdentityOutputs, news: IdentityInputs, identity: DesiredIdentity): string[] {
  const meta = metaOf(news);
  const before = metaOf(olds);
  const want = comparable(desiredDoc(identity, { set: meta.set }));
  const patched = new Set(makePatch(comparable(docOf(olds)), want).map((op) => parsePointer(op.path)[0]));
  const changed: string[] = FIELDS.filter(([, snake]) => patched.has(snake)).map(([camel]) => camel);
  if (meta.passwordPolicy === "enforce" && meta.password !== before.password) changed.push("password");
  if (meta.passwordPolicy !== before.passwordPolicy) changed.push("passwordPolicy");
  for (const property of ["adopt", "set", "key"] as const)
    if (meta[property] !== before[property]) changed.push(property);
  return changed;
}

export { pairById } from "../reconcile/core/pair-by-id";
