import { createHash } from 'node:crypto';
import {
  asArray,
  type CredentialFormat,
  ENVELOPED_CREDENTIAL_TYPE,
  envelopeCredential,
  isJsonObject,
  type JsonObject,
  looksLikeCompactJws,
  nestingDepth,
  TradewindError,
  typesOf,
  unwrapEnvelope,
} from '@tradewind/core';
import type { VerifiedCredential } from '@tradewind/verifier';
import { diCredentialOf, diIdentityOf } from './di/record.js';
import { type DisclosableClaim, hasKeyBinding, issuerJwtOf, looksLikeSdJwt, type ShownClaim } from './sd-jwt/disclosures.js';

/**
 * A status entry of a stored credential, kept so status can be re-checked without
 * decoding the credential. An SD-JWT VC's Token Status List entry is
 * `{ type: 'TokenStatusList', statusListIndex: idx, statusListCredential: uri }`.
 */
export interface StatusReference {
  type: string;
  id?: string;
  statusPurpose?: string;
  statusListIndex?: string;
  statusListCredential?: string;
}

/** A credential as the wallet holds it: the signed JWT (or Data Integrity JSON), plus what is needed to find it. */
export interface StoredCredential {
  /**
   * Wallet id: hex SHA-256 of the signed content (decoded JOSE header and payload),
   * so one credential has one id whatever its encoding, signature or wrapper.
   */
  id: string;
  /**
   * The credential: the compact JWT when it was received as one; when it was received as
   * JSON (an `EnvelopedVerifiableCredential`, Veramo's `JwtProof2020` form), that JSON
   * rebuilt from the signed JWT alone — nothing of the received JSON outside the
   * signature is kept. An SD-JWT VC: the compact SD-JWT as issued, every disclosure
   * included, no key binding (`<issuer-jwt>~<disclosure>~…~`). A Data Integrity
   * credential (`di`): the JSON object as received, its proof included.
   */
  credential: string | JsonObject;
  /**
   * The compact JWS the issuer signed, exactly as received (an SD-JWT VC: the whole
   * compact SD-JWT, as `credential`; a Data Integrity credential: its JSON text).
   */
  raw: string;
  format: CredentialFormat;
  /** `id` (or `jti`) of the credential itself, when it has one. */
  credentialId?: string;
  /** The VC types; for an SD-JWT VC its `vct` alone, so `find({ type: vct })` finds it. */
  types: string[];
  /** SD-JWT VCs: the credential's `vct`. */
  vct?: string;
  /** SD-JWT VCs: every claim the holder may show or withhold (see `Wallet.disclosableClaims`). */
  disclosable?: DisclosableClaim[];
  /** SD-JWT VCs: the claims every presentation shows (signed in plain text). */
  alwaysShown?: ShownClaim[];
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
  /** The compact JWS. */
  raw: string;
  /** `json`: received as JSON, whose signed-only rebuild is in `json`. */
  raw_kind: 'jwt' | 'json';
  json: string | null;
  format: string;
  credential_id: string | null;
  issuer: string;
  subject: string | null;
  types: string;
  valid_from: number | null;
  valid_until: number | null;
  status: string | null;
  received_at: number;
  /** SD-JWT VCs: `{ disclosable, alwaysShown }` as JSON (schema 3); null for other formats. */
  claims: string | null;
  /**
   * Data Integrity credentials (`di`, schema 4): the contexts and documents their
   * verification needed beyond the bundled ones, and MOSIP compatibility when it was used
   * (`DiMaterial` as JSON); null otherwise. Absent in backups written before schema 4.
   */
  material?: string | null;
}

/** The compact JWS inside what a caller passed, and the form it came in. */
export interface SignedInput {
  jws: string;
  form: 'jwt' | 'envelope' | 'jwt-proof';
}

const ENVELOPE_PREFIXES = ['data:application/vc+jwt,', 'data:application/jwt,'];
const MAX_DEPTH = 32;

/**
 * The compact JWS a caller's input carries — the bytes the wallet verifies and stores —
 * or undefined when there is none (the verifier then says why). JSON wrappers are read
 * for the JWT only: a compact JWT, its JSON-quoted text or `data:` URL, an
 * EnvelopedVerifiableCredential, or Veramo's JwtProof2020 form (`proof.jwt`).
 */
export function signedInputOf(input: unknown): SignedInput | undefined {
  if (typeof input === 'string') {
    const text = input.trim();
    for (const prefix of ENVELOPE_PREFIXES) if (text.startsWith(prefix)) return compact(text.slice(prefix.length), 'jwt');
    if (text.startsWith('{') || text.startsWith('"')) {
      if (nestingDepth(text) > MAX_DEPTH) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return undefined;
      }
      return typeof value === 'string' ? compact(value.trim(), 'jwt') : signedInputOf(isJsonObject(value) ? value : undefined);
    }
    return compact(text, 'jwt');
  }
  if (!isJsonObject(input)) return undefined;
  if (typesOf(input.type).includes(ENVELOPED_CREDENTIAL_TYPE)) {
    // A malformed envelope yields nothing here: the verifier, given the whole input, says why.
    try {
      const envelope = unwrapEnvelope(input);
      return envelope.kind === 'credential' ? { jws: envelope.jws, form: 'envelope' } : undefined;
    } catch {
      return undefined;
    }
  }
  const proof = input.proof;
  if (isJsonObject(proof) && proof.type === 'JwtProof2020' && typeof proof.jwt === 'string') return compact(proof.jwt, 'jwt-proof');
  return undefined;
}

function compact(text: string, form: SignedInput['form']): SignedInput | undefined {
  return looksLikeCompactJws(text) ? { jws: text, form } : undefined;
}

/**
 * The identity of a signed credential: SHA-256 over the decoded JOSE header and payload
 * (header length first, so the boundary is unambiguous). The signature and the base64url
 * spelling are left out, so a re-encoded, re-signed (ECDSA) or differently wrapped copy
 * of the same signed content is the same credential.
 */
export function identityOf(jws: string): string {
  const first = jws.indexOf('.');
  const second = jws.indexOf('.', first + 1);
  const header = Buffer.from(jws.slice(0, first), 'base64url');
  const payload = Buffer.from(jws.slice(first + 1, second), 'base64url');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  // Hex, not base64url: an id may then never start with "-" and be read as an option
  // when it is given on a command line (`tradewind wallet present ID`).
  return createHash('sha256').update(length).update(header).update(payload).digest('hex');
}

/** The JSON a credential received in a JSON form is returned as, built from the signed JWT and its verified content only. */
function rebuiltJson(signed: SignedInput, format: string, verified: JsonObject | undefined): string | null {
  // VC-JOSE-COSE names vc+jwt; a VCDM 1.1 JWT is not one, so it travels as a plain JWT.
  if (signed.form === 'envelope') return JSON.stringify(envelopeCredential(signed.jws, format === 'vc+jwt' ? 'vc+jwt' : 'jwt'));
  if (signed.form === 'jwt-proof' && verified) return JSON.stringify({ ...verified, proof: { type: 'JwtProof2020', jwt: signed.jws } });
  return null;
}

/** The row for a verified credential: the JWS that was verified, and metadata from the verifier's result only. */
export function toRow(signed: SignedInput, verified: VerifiedCredential, receivedAt: number): CredentialRow {
  const vc = verified.credential;
  const status = asArray(vc.credentialStatus).filter(isJsonObject).map(statusReference);
  const json = rebuiltJson(signed, verified.format, vc as JsonObject);
  return {
    id: identityOf(signed.jws),
    raw: signed.jws,
    raw_kind: json === null ? 'jwt' : 'json',
    json,
    format: verified.format,
    credential_id: typeof vc.id === 'string' ? vc.id : null,
    issuer: verified.issuer,
    subject: verified.subject ?? null,
    types: JSON.stringify(typesOf(vc.type)),
    valid_from: verified.validFrom ? verified.validFrom.getTime() : null,
    valid_until: verified.validUntil ? verified.validUntil.getTime() : null,
    status: status.length > 0 ? JSON.stringify(status) : null,
    received_at: receivedAt,
    claims: null,
    material: null,
  };
}

/**
 * A row written by wallet schema 1 (or in a version 1 backup) in today's form: `raw` was
 * the received text, JSON wrappers included, and `id` hashed that JWS. The JWS becomes
 * `raw`, the id becomes its identity; an envelope is rebuilt around the JWS; a
 * JwtProof2020 wrapper, whose verified content cannot be rebuilt without verifying
 * again, is dropped for its JWT. `previousId` is the old id when it changed.
 */
export function upgradeRow(old: Omit<CredentialRow, 'json' | 'claims'> & { json?: string | null }): {
  row: CredentialRow;
  previousId?: string;
} {
  const signed = signedInputOf(old.raw_kind === 'jwt' ? old.raw : safeParse(old.raw));
  if (!signed) return { row: { ...old, json: old.raw_kind === 'json' ? old.raw : null, claims: null, material: null } };
  const json = signed.form === 'envelope' ? rebuiltJson(signed, old.format, undefined) : null;
  const row: CredentialRow = {
    ...old,
    id: identityOf(signed.jws),
    raw: signed.jws,
    raw_kind: json === null ? 'jwt' : 'json',
    json,
    claims: null,
    material: null,
  };
  return row.id === old.id ? { row } : { row, previousId: old.id };
}

/**
 * A row of a current (version 2) backup: the id is recomputed from the JWS rather than
 * trusted. An SD-JWT VC must be held as issued (no key-binding JWT after its disclosures).
 */
export function currentRow(row: CredentialRow): CredentialRow | undefined {
  if (row.format === 'dc+sd-jwt') {
    if (!looksLikeSdJwt(row.raw) || hasKeyBinding(row.raw) || row.raw_kind !== 'jwt') return undefined;
    return { ...row, id: identityOf(issuerJwtOf(row.raw)), json: null, claims: row.claims ?? null, material: null };
  }
  if (row.format === 'di') {
    // A Data Integrity credential is its JSON; the id is its identity, recomputed.
    const di = row.raw_kind === 'json' ? diCredentialOf(row.raw) : undefined;
    if (!di) return undefined;
    return { ...row, id: diIdentityOf(di.credential), raw: di.text, json: null, claims: null, material: row.material ?? null };
  }
  if (!looksLikeCompactJws(row.raw)) return undefined;
  if (row.raw_kind === 'json' && typeof row.json !== 'string') return undefined;
  return { ...row, id: identityOf(row.raw), json: row.raw_kind === 'json' ? row.json : null, claims: null, material: null };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A status entry of a credential's `credentialStatus`, as the wallet lists it. */
export function statusReference(s: JsonObject): StatusReference {
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
    credential: row.raw_kind === 'json' ? (JSON.parse(row.json ?? row.raw) as JsonObject) : row.raw,
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
  if (row.format === 'dc+sd-jwt' && row.claims) {
    const claims = JSON.parse(row.claims) as { disclosable: DisclosableClaim[]; alwaysShown: ShownClaim[] };
    const [vct] = out.types;
    if (vct !== undefined) out.vct = vct;
    out.disclosable = claims.disclosable;
    out.alwaysShown = claims.alwaysShown;
  }
  return out;
}

/** Input that is neither a string nor a JSON object. */
export function checkInput(input: unknown): void {
  if (typeof input !== 'string' && !isJsonObject(input))
    throw new TradewindError('INVALID_ARGUMENT', 'a credential is a compact JWT string or a JSON object');
}
