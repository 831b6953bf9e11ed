import { createHash } from 'node:crypto';
import { isJsonObject, type JsonObject, type VerifiableCredential } from '@tradewind/core';
import type { IssueFormat } from './credential-request.js';

/** A JSON value with object members in sorted order (on null-prototype objects). */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (isJsonObject(value)) {
    const out = Object.create(null) as JsonObject;
    for (const k of Object.keys(value).sort()) out[k] = canonicalJson(value[k]);
    return out;
  }
  return value;
}

/**
 * The digest of what a credential says (format and unsigned credential, members in
 * sorted order), stored with its log row. Re-emission signs a credential again only
 * when the rebuilt content has the same digest, so an old id and status index never
 * carry new content.
 */
export function contentDigest(format: IssueFormat, credential: VerifiableCredential): string {
  return `sha256:${createHash('sha256')
    .update(`[${JSON.stringify(format)},${canonicalStringify(credential)}]`)
    .digest('base64url')}`;
}

/**
 * `JSON.stringify(canonicalJson(value))` in one pass, without building the sorted copy
 * (this runs once per issued credential).
 */
export function canonicalStringify(value: unknown): string {
  if (typeof value !== 'object' || value === null || value instanceof Date) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (i > 0) out += ',';
      out += v === undefined || typeof v === 'function' ? 'null' : canonicalStringify(v);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const k of keys) {
    const v = object[k];
    if (v === undefined || typeof v === 'function') continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonicalStringify(v)}`;
  }
  return `${out}}`;
}
