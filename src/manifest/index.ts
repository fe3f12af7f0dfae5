// The manifest loader: YAML identity sets (files, directories, texts or objects) -> validated DesiredSets.
export { loadManifests, parseManifests, parseSetObject, parseIdentityObject, validateIdentityObject } from "./load";
export type { LoadOptions, ObjectOptions, IdentityOptions } from "./load";
export type { LoadResult, IdentityResult } from "./parse";
export { API_VERSION, KIND } from "./parse";
// Issue text is one format for every caller, defined in the core.
export { formatIssue, formatIssues } from "../reconcile/core/issues";
export { readManifestFiles, diskResolver } from "./files";
export type { SourceFile } from "./files";
export type { Env, Resolver } from "./interpolate";
export { SCHEMA_PATH } from "./schema";
