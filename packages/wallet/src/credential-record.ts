import { createHash } from 'node:crypto';
import { asArray, type CredentialFormat, isJsonObject, type JsonObject, TradewindError, typesOf } from '@tradewind/core';
import type { VerifiedCredential } from '@tradewind/verifier';

/** A status entry of a stored credential, kept so status can be re-checked without decoding the credential. */
export interface StatusReference {
  type: string;
  id?: string;
  statusPurpose?: string;
  statusListIndex?: string;
  statusListCredential?: string;
}

/** A credential as the wallet holds it: the bytes as received, plus what is needed to find it. */
export interface StoredCredential {
  /** Wallet id: base64url SHA-256 of the compact JWS. The same credential received twice has one id. */
  id: string;
  /** The credential exactly as received: the compact JWT string, or the JSON value. */
  credential: string | JsonObject;
  /** The text stored, byte for byte what was received (JSON input is kept as text). */
  raw: string;
  format: CredentialFormat;
  /** `id` (or `jti`) of the credential itself, when it has one. */
  credentialId?: string;
  types: string[];
  issuer: string;
  subject?: string;
  validFrom?: Date;
  validUntil?: Date;
  status: StatusReference[];
  receivedAt: Date;
}

/** The columns of one wallet_credential row (dates as epoch milliseconds). */
export interface CredentialRow {
  id: string;
  raw: string;
  raw_kind: 'jwt' | 'json';
  format: string;
  credential_id: string | null;
  issuer: string;
  subject: string | null;
  types: string;
  valid_from: number | null;
  valid_until: number | null;
  status: string | null;
  received_at: number;
}

/** The raw text to store and its kind, for what a caller passed to `receive`. */
export function rawOf(input: unknown): { raw: string; kind: 'jwt' | 'json' } {
  if (typeof input === 'string') {
    const t = input.trim();
    return { raw: input, kind: t.startsWith('{') || t.startsWith('"') ? 'json' : 'jwt' };
  }
  if (isJsonObject(input)) return { raw: JSON.stringify(input), kind: 'json' };
  throw new TradewindError('INVALID_ARGUMENT', 'a credential is a compact JWT string or a JSON object');
}

/**
 * The row for a verified credential. The id hashes the signed bytes (header, payload and
 * signature), so a JWT and the same JWT wrapped as an EnvelopedVerifiableCredential are
 * one credential.
 */
export function toRow(raw: { raw: string; kind: 'jwt' | 'json' }, verified: VerifiedCredential, receivedAt: number): CredentialRow {
  const vc = verified.credential;
  const status = asArray(vc.credentialStatus).filter(isJsonObject).map(statusReference);
  return {
    id: credentialIdFor(raw.raw, verified),
    raw: raw.raw,
    raw_kind: raw.kind,
    format: verified.format,
    credential_id: typeof vc.id === 'string' ? vc.id : null,
    issuer: verified.issuer,
    subject: verified.subject ?? null,
    types: JSON.stringify(typesOf(vc.type)),
    valid_from: verified.validFrom ? verified.validFrom.getTime() : null,
    valid_until: verified.validUntil ? verified.validUntil.getTime() : null,
    status: status.length > 0 ? JSON.stringify(status) : null,
    received_at: receivedAt,
  };
}

function credentialIdFor(raw: string, verified: VerifiedCredential): string {
  const compact = compactJwsIn(raw);
  // Fall back to the signed content when the stored text is not a plain or enveloped JWT.
  const basis = compact ?? JSON.stringify([verified.header, verified.payload]);
  return createHash('sha256').update(basis).digest('base64url');
}

const JWS = /[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

/** The compact JWS inside a stored text: the text itself, a JSON-quoted JWT or an enveloped credential. */
export function compactJwsIn(raw: string): string | undefined {
  const t = raw.trim();
  if (!t.startsWith('{') && !t.startsWith('"')) return JWS.exec(t)?.[0] === t ? t : undefined;
  try {
    const value: unknown = JSON.parse(t);
    if (typeof value === 'string') return compactJwsIn(value);
    if (isJsonObject(value) && typeof value.id === 'string' && value.id.startsWith('data:')) {
      const jws = value.id.slice(value.id.indexOf(',') + 1);
      return JWS.exec(jws)?.[0] === jws ? jws : undefined;
    }
  } catch {
    // not JSON: no compact form
  }
  return undefined;
}

function statusReference(s: JsonObject): StatusReference {
  const ref: StatusReference = { type: typeof s.type === 'string' ? s.type : 'unknown' };
  for (const k of ['id', 'statusPurpose', 'statusListIndex', 'statusListCredential'] as const) {
    const v = s[k];
    if (typeof v === 'string') ref[k] = v;
    else if (typeof v === 'number') ref[k] = String(v);
  }
  return ref;
}

/** The public form of a row. */
export function fromRow(row: CredentialRow): StoredCredential {
  const out: StoredCredential = {
    id: row.id,
    credential: row.raw_kind === 'json' ? (JSON.parse(row.raw) as JsonObject) : row.raw,
    raw: row.raw,
    format: row.format as CredentialFormat,
    types: JSON.parse(row.types) as string[],
    issuer: row.issuer,
    status: row.status ? (JSON.parse(row.status) as StatusReference[]) : [],
    receivedAt: new Date(row.received_at),
  };
  if (row.credential_id !== null) out.credentialId = row.credential_id;
  if (row.subject !== null) out.subject = row.subject;
  if (row.valid_from !== null) out.validFrom = new Date(row.valid_from);
  if (row.valid_until !== null) out.validUntil = new Date(row.valid_until);
  return out;
}
