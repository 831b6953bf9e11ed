import { createHash } from 'node:crypto';
import { asArray, isJsonObject, type JsonObject, nestingDepth, TradewindError, typesOf } from '@tradewind/core';
import type { VerifiedDiCredential } from '@tradewind/verifier';
import { type CredentialRow, statusReference } from '../credential-record.js';

/**
 * What a Data Integrity credential needed to verify offline beyond the bundled contexts:
 * the JSON-LD contexts and DID / key / controller documents the caller supplied that the
 * credential reaches, and MOSIP compatibility when its verification used it. Kept with
 * the credential (column `material`), so a restore verifies it again with the same
 * material, and a presentation canonicalises it with the same contexts.
 */
export interface DiMaterial {
  contexts?: Record<string, JsonObject>;
  documents?: JsonObject[];
  compatibility?: 'mosip';
}

/** The Data Integrity options of the verifier (`VerifyOptions.dataIntegrity`), as the wallet reads them. */
export interface DataIntegrityOptions {
  contexts?: Record<string, JsonObject | string> | Map<string, JsonObject | string>;
  documents?: readonly JsonObject[];
  compatibility?: Record<string, 'mosip'>;
}

/** The credential as received: parsed from JSON text, or copied, so later changes by the caller change nothing. */
export function diCredentialOf(input: string | JsonObject): { text: string; credential: JsonObject } | undefined {
  let text: string;
  try {
    text = typeof input === 'string' ? input.trim() : JSON.stringify(input);
  } catch {
    return undefined;
  }
  if (!text.startsWith('{') || nestingDepth(text) > 64) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(value) || value['@context'] === undefined || value.proof === undefined) return undefined;
  return { text: JSON.stringify(value), credential: value };
}

/**
 * The identity of a Data Integrity credential: SHA-256 over its content without `proof`,
 * in one canonical JSON form (keys sorted by UTF-16 code units, as RFC 8785 sorts them),
 * after a label that keeps it apart from JWT identities. A copy with its members in
 * another order, or with another proof over the same content, is the same credential.
 */
export function diIdentityOf(credential: JsonObject): string {
  const { proof: _proof, ...content } = credential;
  return createHash('sha256').update('tradewind-di-credential\0').update(sortedJson(content)).digest('hex');
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The row for a verified Data Integrity credential: the JSON as received, metadata from the verifier's result only. */
export function diRow(
  text: string,
  credential: JsonObject,
  verified: VerifiedDiCredential,
  material: DiMaterial | undefined,
  receivedAt: number,
): CredentialRow {
  const vc = verified.credential as JsonObject;
  const status = asArray(vc.credentialStatus).filter(isJsonObject).map(statusReference);
  return {
    id: diIdentityOf(credential),
    raw: text,
    raw_kind: 'json',
    json: null,
    format: 'di',
    credential_id: typeof vc.id === 'string' ? vc.id : null,
    issuer: verified.issuer,
    subject: verified.subject ?? null,
    types: JSON.stringify(typesOf(vc.type)),
    valid_from: verified.validFrom ? verified.validFrom.getTime() : null,
    valid_until: verified.validUntil ? verified.validUntil.getTime() : null,
    status: status.length > 0 ? JSON.stringify(status) : null,
    received_at: receivedAt,
    claims: null,
    material: material === undefined ? null : JSON.stringify(material),
  };
}

/**
 * The material to keep with a credential: of the contexts and documents the caller
 * supplied, those the credential reaches — a context URL or document id (a DID, a key or
 * controller document) named anywhere in it or in what it reaches — and `mosip` when the
 * verifier reported a compatibility relaxation. Bundled contexts are never kept.
 */
export function materialFor(
  credential: JsonObject,
  supplied: readonly (DataIntegrityOptions | undefined)[],
  usedCompatibility: boolean,
): DiMaterial | undefined {
  const contexts = new Map<string, JsonObject>();
  const documents = new Map<string, JsonObject>();
  for (const s of supplied) {
    if (!s) continue;
    const entries = s.contexts instanceof Map ? [...s.contexts] : Object.entries(s.contexts ?? {});
    for (const [url, doc] of entries) {
      const parsed = typeof doc === 'string' ? parseObject(doc) : doc;
      if (parsed) contexts.set(url, parsed);
    }
    for (const d of s.documents ?? []) if (isJsonObject(d) && typeof d.id === 'string') documents.set(d.id, d);
  }
  const named = new Set<string>();
  collectStrings(credential, named);
  const keptContexts: Record<string, JsonObject> = Object.create(null);
  const keptDocuments: JsonObject[] = [];
  // Until nothing more is reached: a kept context or document may name further ones.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [url, doc] of contexts) {
      if (!named.has(url)) continue;
      keptContexts[url] = doc;
      contexts.delete(url);
      collectStrings(doc, named);
      grew = true;
    }
    for (const [id, doc] of documents) {
      if (!named.has(id)) continue;
      keptDocuments.push(doc);
      documents.delete(id);
      collectStrings(doc, named);
      grew = true;
    }
  }
  const out: DiMaterial = {};
  if (Object.keys(keptContexts).length > 0) out.contexts = keptContexts;
  if (keptDocuments.length > 0) out.documents = keptDocuments;
  if (usedCompatibility) out.compatibility = 'mosip';
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Every string of a JSON value, and each one's part before a `#` (a verification method names its DID so). */
function collectStrings(value: unknown, into: Set<string>): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      into.add(v);
      const hash = v.indexOf('#');
      if (hash > 0) into.add(v.slice(0, hash));
    } else if (Array.isArray(v)) stack.push(...v);
    else if (isJsonObject(v)) for (const k of Object.keys(v)) stack.push(v[k]);
  }
}

function parseObject(text: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The material a backup row carries, read strictly: BACKUP_INVALID for anything that is
 * not `{ contexts?: { url: object }, documents?: object[], compatibility?: 'mosip' }`.
 */
export function parseMaterial(text: string | null | undefined, where: string): DiMaterial | undefined {
  if (text === null || text === undefined) return undefined;
  const bad = () => new TradewindError('BACKUP_INVALID', `backup ${where} has malformed Data Integrity material`);
  const value = parseObject(text);
  if (!value) throw bad();
  const out: DiMaterial = {};
  for (const k of Object.keys(value)) if (k !== 'contexts' && k !== 'documents' && k !== 'compatibility') throw bad();
  if (value.contexts !== undefined) {
    if (!isJsonObject(value.contexts)) throw bad();
    const contexts: Record<string, JsonObject> = Object.create(null);
    for (const [url, doc] of Object.entries(value.contexts)) {
      if (!isJsonObject(doc) || url === '__proto__') throw bad();
      contexts[url] = doc;
    }
    out.contexts = contexts;
  }
  if (value.documents !== undefined) {
    if (!Array.isArray(value.documents) || !value.documents.every(isJsonObject)) throw bad();
    out.documents = value.documents;
  }
  if (value.compatibility !== undefined) {
    if (value.compatibility !== 'mosip') throw bad();
    out.compatibility = 'mosip';
  }
  return out;
}

/** The verifier's Data Integrity options for a credential of `issuer` with this material. */
export function verifyOptionsOf(material: DiMaterial | undefined, issuer: string): DataIntegrityOptions {
  const out: DataIntegrityOptions = {};
  if (material?.contexts) out.contexts = new Map(Object.entries(material.contexts));
  if (material?.documents) out.documents = material.documents;
  if (material?.compatibility) {
    const compatibility: Record<string, 'mosip'> = Object.create(null);
    compatibility[issuer] = material.compatibility;
    out.compatibility = compatibility;
  }
  return out;
}
