// The ownership marker: one reserved key inside `metadata_admin` of every identity a set created or adopted.
//   metadata_admin: { "ory_reconcile": { "set": "staff", "key": "traits.email:<digest>", "password": "<fingerprint>" }, ...user keys }
// `key` is the key path and a digest of the key the identity was created, adopted or renamed for (key-digest.ts);
// markers written before it existed (or under another key path) lack a usable one and get it with the next write.
// User keys are never touched by marker logic and the marker is never reported as drift of the user's metadata.
import { isObject } from "./json";
import type { Json, JsonObject } from "./types";

export const MARKER_KEY = "ory_reconcile";

export interface Marker {
  set: string;
  /** keyDigest of the key the identity was created, adopted or renamed for (absent in older markers). */
  key?: string;
  /** Fingerprint of the declared password when its policy is `enforce`. */
  password?: string;
}

export function readMarker(metadataAdmin: Json | undefined): Marker | undefined {
  if (!isObject(metadataAdmin)) return undefined;
  const marker = metadataAdmin[MARKER_KEY];
  if (!isObject(marker) || typeof marker.set !== "string") return undefined;
  const out: Marker = { set: marker.set };
  if (typeof marker.key === "string") out.key = marker.key;
  if (typeof marker.password === "string") out.password = marker.password;
  return out;
}

/** The user's part of metadata_admin: the marker removed; an empty result is `null` (as Kratos stores nothing). */
export function userMetadataAdmin(metadataAdmin: Json | undefined): Json {
  if (!isObject(metadataAdmin)) return metadataAdmin ?? null;
  const { [MARKER_KEY]: _marker, ...rest } = metadataAdmin;
  return Object.keys(rest).length === 0 && _marker !== undefined ? null : rest;
}

/** metadata_admin as it must be stored: the user's keys plus the marker. */
export function withMarker(userMetadata: Json | undefined, marker: Marker): JsonObject {
  const base = isObject(userMetadata) ? userMetadata : {};
  const value: JsonObject = { set: marker.set };
  if (marker.key !== undefined) value.key = marker.key;
  if (marker.password !== undefined) value.password = marker.password;
  return { ...base, [MARKER_KEY]: value };
}
