import { isJsonObject, type JsonObject, TradewindError, type VerificationIssue } from '@tradewind/core';
import type { CredentialVerificationResult, Verifier, VerifyOptions } from '@tradewind/verifier';
import { type CredentialRow, type SignedInput, signedInputOf, toRow } from '../credential-record.js';
import { type DataIntegrityOptions, type DiMaterial, diCredentialOf, diRow, parseMaterial, verifyOptionsOf } from '../di/record.js';
import { boundToDids } from '../sd-jwt/holder-key.js';
import { sdJwtRow, unionOfDisclosures } from '../sd-jwt/record.js';
import type { RestoreRows } from './contents.js';

// Errors that only say the credential is outside its validity at the evaluation time.
const TIME_CODES: ReadonlySet<string> = new Set(['EXPIRED', 'NOT_YET_VALID']);
// Errors that say the issuer's key was not found without the keys recognition lists carry.
const KEY_CODES: ReadonlySet<string> = new Set(['DID_UNRESOLVABLE', 'KEY_NOT_FOUND']);

/** How a restore verifies: signatures and keys, and where keys come from recognition lists, those lists. */
export interface RestoreVerifiers {
  /** Signature and key only (no trust, no policy, status not checked). */
  plain: Verifier;
  /**
   * With the wallet's recognition policy and lists, for issuers whose keys only the lists
   * carry (did:web): tried at the wallet's `now` option, the current time, and a time
   * inside the credential's window.
   */
  recognition?: { verifier: Verifier; now?: Date | string | number };
}

/**
 * The rows a restore writes, rebuilt from what each credential's issuer signed: every
 * JWS of the backup is verified again (signature, issuer key, format) and its row made
 * from the verifier's result only, as `receive` makes it — never from the metadata
 * columns or the JSON the backup holds, which whoever knows the passphrase can write.
 * A JWS that does not verify makes the whole backup `BACKUP_INVALID`.
 *
 * A Data Integrity credential (`di`) is verified as its JSON, with the contexts and
 * documents its row's `material` carries (what the caller supplied when it was received)
 * and MOSIP compatibility for its issuer when it was received under it. That material is
 * taken from the backup as the holder gave it when adding the credential: a backup is
 * authenticated by its passphrase, and the signature must still verify under it.
 *
 * An SD-JWT VC must be bound (`cnf`) to a key of the backup's DIDs (`holderKeys`: each
 * DID and the thumbprint inputs of its keys), as `receive` requires of the wallet's.
 *
 * What was decided when the credential was received is not decided again: status is
 * not checked (a revoked credential stays, as it would in the wallet), trust and
 * recognition policy are not applied, and a credential that has expired since is read
 * at a time inside its own validity (its received time, else the nearest end of its
 * window), so no credential the wallet held is lost.
 */
export async function reverifiedRows(
  restore: RestoreRows,
  verifiers: RestoreVerifiers,
  holderKeys: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<RestoreRows> {
  const verifier = verifiers.plain;
  // A credential the file holds more than once is verified and restored once (the first
  // copy): a small file repeating one row cannot ask for a verification per copy. An
  // SD-JWT VC held in several forms (the same issuer-signed JWT, other disclosures) is
  // restored with the union of their disclosures, which is verified as a whole, as
  // receive keeps it.
  const seen = new Map<string, number>(); // id → position in rows
  const entries: number[] = []; // each kept row's entry number in the file, for messages
  const rows: CredentialRow[] = [];
  for (const [i, r] of restore.rows.entries()) {
    const k = seen.get(r.id);
    if (k !== undefined) {
      const kept = rows[k] as CredentialRow;
      const union = kept.format === 'dc+sd-jwt' && r.format === 'dc+sd-jwt' ? unionOfDisclosures(kept.raw, r.raw) : undefined;
      if (union !== undefined) rows[k] = { ...kept, raw: union };
      continue;
    }
    seen.set(r.id, rows.length);
    entries.push(i);
    rows.push({ ...r, raw: r.format === 'dc+sd-jwt' || r.format === 'di' ? r.raw : canonicalSignature(r.raw) });
  }
  // A Data Integrity credential is verified with the material it was received with.
  const di = rows.map((row, k) => (row.format === 'di' ? diInputOf(row, entries[k] as number) : undefined));
  const inputOf = (k: number): unknown => di[k]?.credential ?? (rows[k] as CredentialRow).raw;
  const withMaterial = (k: number, options: VerifyOptions): VerifyOptions => {
    const d = di[k];
    return d ? ({ ...options, dataIntegrity: d.options } as VerifyOptions) : options;
  };
  const jwtAt = rows.flatMap((_, k) => (di[k] ? [] : [k]));
  const results: CredentialVerificationResult[] = new Array(rows.length);
  const batch = await verifier.verifyCredentials(jwtAt.map((k) => inputOf(k)));
  for (const [j, k] of jwtAt.entries()) results[k] = batch[j] as CredentialVerificationResult;
  // Data Integrity credentials in batches of the same material (most share it, or need none).
  const groups = new Map<string, number[]>();
  for (const [k, d] of di.entries()) {
    if (!d) continue;
    const key = `${d.material?.compatibility ? d.issuer : ''}\u0000${(rows[k] as CredentialRow).material ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(k);
    else groups.set(key, [k]);
  }
  for (const group of groups.values()) {
    const verified = await verifier.verifyCredentials(
      group.map((k) => inputOf(k)),
      withMaterial(group[0] as number, {}),
    );
    for (const [j, k] of group.entries()) results[k] = verified[j] as CredentialVerificationResult;
  }
  const out: CredentialRow[] = [];
  for (const [k, row] of rows.entries()) {
    const i = entries[k] as number;
    let result = results[k] as CredentialVerificationResult;
    if (!result.verified && result.errors.every((e) => TIME_CODES.has(e.code))) {
      result = await verifier.verifyCredential(inputOf(k), withMaterial(k, { now: new Date(evaluationTime(row)) }));
    }
    const recognition = verifiers.recognition;
    if (!result.verified && recognition && result.errors.every((e) => KEY_CODES.has(e.code))) {
      for (const now of [recognition.now, undefined, evaluationTime(row)]) {
        const again = await recognition.verifier.verifyCredential(inputOf(k), withMaterial(k, now === undefined ? {} : { now }));
        if (again.verified) {
          result = again;
          break;
        }
      }
    }
    if (!result.verified) throw refused(i, result.errors);
    const d = di[k];
    if (d) {
      if (result.format !== 'di') throw bad(`credential entry ${i} is stored as a Data Integrity credential but is not one`);
      out.push(diRow(d.text, d.credential, result, d.material, row.received_at));
      continue;
    }
    if (result.format === 'di') throw bad(`credential entry ${i} is a Data Integrity credential stored as ${row.format}`);
    if (result.format === 'dc+sd-jwt') {
      // currentRow let through only an SD-JWT as issued (no key binding), under its format.
      if (row.format !== 'dc+sd-jwt') throw bad(`credential entry ${i} is an SD-JWT VC stored as ${row.format}`);
      // As receive refuses it: an SD-JWT VC the wallet could never present.
      if (!boundToDids(result.holderKey, holderKeys))
        throw bad(`credential entry ${i} is an SD-JWT VC bound (cnf) to a key none of the backup's DIDs holds`);
      out.push(sdJwtRow(row.raw, result, row.received_at));
      continue;
    }
    if (row.format === 'dc+sd-jwt') throw bad(`credential entry ${i} is stored as an SD-JWT VC but is not one`);
    out.push(toRow(signedFormOf(row, i), result, row.received_at));
  }
  // An alias names a credential of this backup by an id it had in an older wallet; one
  // that equals a credential's id, or names none, would let get or delete reach the wrong one.
  const ids = new Set(out.map((r) => r.id));
  return { rows: out, aliases: restore.aliases.filter((a) => ids.has(a.id) && !ids.has(a.alias)) };
}

/**
 * The JWS with its signature in canonical base64url. Wallets before schema 2 accepted
 * signatures spelled with non-zero trailing bits, which the verifier now refuses; the
 * signature bytes are the same, and the signed header and payload are untouched.
 */
function canonicalSignature(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const signature = jws.slice(dot + 1);
  if (dot < 0 || !/^[A-Za-z0-9_-]*$/.test(signature)) return jws;
  return `${jws.slice(0, dot + 1)}${Buffer.from(signature, 'base64url').toString('base64url')}`;
}

/** A time inside the credential's window as the backup states it: when it was received, moved into the window if outside. */
function evaluationTime(row: CredentialRow): number {
  let t = row.received_at;
  if (row.valid_until !== null && t >= row.valid_until) t = row.valid_until - 1000;
  if (row.valid_from !== null && t < row.valid_from) t = row.valid_from;
  return t;
}

/** The form the credential was received in (its JSON form is rebuilt from the JWS): the backup's JSON must wrap that very JWS. */
function signedFormOf(row: CredentialRow, i: number): SignedInput {
  if (row.raw_kind !== 'json') return { jws: row.raw, form: 'jwt' };
  let wrapper: unknown;
  try {
    wrapper = JSON.parse(row.json ?? '');
  } catch {
    throw bad(`credential entry ${i} has a JSON form that is not JSON`);
  }
  const signed = isJsonObject(wrapper) ? signedInputOf(wrapper) : undefined;
  if (!signed || signed.form === 'jwt' || canonicalSignature(signed.jws) !== row.raw)
    throw bad(`credential entry ${i} has a JSON form around another JWT`);
  return { jws: row.raw, form: signed.form };
}

/** A `di` row's credential and the verifier options its material gives; BACKUP_INVALID when either is malformed. */
function diInputOf(
  row: CredentialRow,
  i: number,
): { text: string; credential: JsonObject; issuer: string; material: DiMaterial | undefined; options: DataIntegrityOptions } {
  const parsed = diCredentialOf(row.raw);
  if (!parsed) throw bad(`credential entry ${i} is not a Data Integrity credential`);
  const material = parseMaterial(row.material, `credential entry ${i}`);
  const issuer = issuerIdOf(parsed.credential);
  return { ...parsed, issuer, material, options: verifyOptionsOf(material, issuer) };
}

function issuerIdOf(credential: JsonObject): string {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  return isJsonObject(issuer) && typeof issuer.id === 'string' ? issuer.id : '';
}

function refused(i: number, errors: VerificationIssue[]): TradewindError {
  const first = errors[0];
  return bad(`credential entry ${i} does not verify${first ? `: ${first.code} ${first.message}` : ''}`);
}

function bad(message: string): TradewindError {
  return new TradewindError('BACKUP_INVALID', `backup ${message}`);
}
