import type { KeyAlgorithm, TradewindAgent } from '@tradewind/agent';
import {
  type PublicJwk,
  parseDateTimeStamp,
  parseRecognitionListSubject,
  RECOGNITION_LIST_TYPE,
  type RecognitionEntry,
  type RecognizedKey,
  TradewindError,
  VCDM_2_CONTEXT,
} from '@tradewind/core';

/** What a trust anchor signs: the list's sequence, next update and entries. */
export interface RecognitionListRequest {
  /** Must grow with every list the anchor publishes; verifiers refuse a lower one. */
  sequence: number;
  /** When the next list is due (ISO date-time with zone, or a Date). */
  nextUpdate: string | Date;
  entries: RecognitionEntry[];
  /** Name of the recognition scheme, e.g. "CARICOM mutual recognition". */
  name?: string;
  /** The list credential's id (for example the URL it is published at). */
  id?: string;
  /** The anchor DID to sign with; default: the issuer's default DID. */
  issuer?: string;
  /** Default: now. */
  validFrom?: string | Date;
  validUntil?: string | Date;
}

// A date of the list as signed: a string as given (the schema checks it), a valid Date as ISO.
function iso(d: unknown, name: string): string {
  if (typeof d === 'string') return d;
  if (d instanceof Date && Number.isFinite(d.getTime())) return d.toISOString().replace('.000Z', 'Z');
  throw new TradewindError('INVALID_ARGUMENT', `${name} must be a date-time string with an offset or a valid Date`, { path: `/${name}` });
}

/**
 * Signs a recognition list as a `vc+jwt` RecognitionList credential, after checking it
 * against the schema verifiers apply (packages/core/schemas/recognition-list.schema.json).
 * Throws `INVALID_ARGUMENT` naming the first problem.
 */
export async function signRecognitionList(agent: TradewindAgent, anchorDid: string, request: RecognitionListRequest): Promise<string> {
  const subject: Record<string, unknown> = {
    sequence: request.sequence,
    nextUpdate: iso(request.nextUpdate, 'nextUpdate'),
    ...(request.name === undefined ? {} : { name: request.name }),
    entries: request.entries,
  };
  try {
    parseRecognitionListSubject(subject);
  } catch (e) {
    if (e instanceof TradewindError)
      throw new TradewindError('INVALID_ARGUMENT', e.message, e.path === undefined ? undefined : { path: e.path });
    throw e;
  }
  if (request.id !== undefined && (typeof request.id !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(request.id)))
    throw new TradewindError('INVALID_ARGUMENT', 'id must be a URI', { path: '/id' });
  if (typeof anchorDid !== 'string' || !anchorDid.startsWith('did:'))
    throw new TradewindError('INVALID_ARGUMENT', 'issuer must be a DID of this database', { path: '/issuer' });
  await agent.syncKeys();
  const signer = await agent.getDid(anchorDid);
  const credential = {
    '@context': [VCDM_2_CONTEXT],
    ...(request.id === undefined ? {} : { id: request.id }),
    type: ['VerifiableCredential', RECOGNITION_LIST_TYPE],
    issuer: signer.did,
    validFrom: iso(request.validFrom ?? new Date(Math.floor(Date.now() / 1000) * 1000), 'validFrom'),
    ...(request.validUntil === undefined ? {} : { validUntil: iso(request.validUntil, 'validUntil') }),
    credentialSubject: subject,
  };
  return agent.signJwt({ alg: signer.alg, typ: 'vc+jwt', kid: signer.verificationMethod }, credential, signer.keyId);
}

/**
 * The keys a recognition list must carry for one of this agent's DIDs so that verifiers
 * need no network: for did:web, the public keys with their verification method ids —
 * the signing key first, then the retired ones (most recently retired first).
 */
export async function recognitionKeys(agent: TradewindAgent, did: string): Promise<RecognizedKey[]> {
  return (await signingKeys(agent, did)).map(recognizedKey);
}

/** One key of a DID with the period it signed in. */
export interface SigningKey {
  /** Verification method id (the `kid` of what it signed). */
  verificationMethod: string;
  publicJwk: PublicJwk;
  keyType: KeyAlgorithm;
  alg: 'EdDSA' | 'ES256';
  /** `current`: it signs now; `retired`: it signed until `retiredAt` and never again. */
  state: 'current' | 'retired';
  /** When it became the signing key (absent for the DID's first key). */
  activeFrom?: string;
  /** When it stopped signing (retired keys only). */
  retiredAt?: string;
}

/** Every key of a DID, the signing key first, then the retired ones (most recently retired first). */
export async function signingKeys(agent: TradewindAgent, did: string): Promise<SigningKey[]> {
  await agent.syncKeys();
  const managed = await agent.getDid(did);
  const current: SigningKey = {
    verificationMethod: managed.verificationMethod,
    publicJwk: managed.publicJwk,
    keyType: managed.keyType,
    alg: managed.alg,
    state: 'current',
    ...(managed.activeFrom === undefined ? {} : { activeFrom: managed.activeFrom }),
  };
  return [
    current,
    ...(managed.retiredKeys ?? []).map(
      (k): SigningKey => ({
        verificationMethod: k.verificationMethod,
        publicJwk: k.publicJwk,
        keyType: k.keyType,
        alg: k.alg,
        state: 'retired',
        ...(k.activeFrom === undefined ? {} : { activeFrom: k.activeFrom }),
        retiredAt: k.retiredAt,
      }),
    ),
  ];
}

// A path into the entries built, as a path into what was given: `/entries/n/keys/0/…` is
// the nth entry's key (`/keys/<its index>/…`), any other member of an entry the template's.
function pathInInput(path: string, sourceOf: number[]): string {
  const m = /^\/entries\/(\d+)(\/keys\/0)?(.*)$/.exec(path);
  if (!m) return path;
  return m[2] ? `/keys/${sourceOf[Number(m[1])] ?? 0}${m[3]}` : (m[3] as string);
}

function recognizedKey(key: SigningKey): RecognizedKey {
  return { ...key.publicJwk, kid: key.verificationMethod };
}

/** What an anchor decides about an issuer, for {@link recognitionEntries}: an entry without the DID, keys and key periods. */
export type RecognitionEntryTemplate = Omit<RecognitionEntry, 'id' | 'keys'>;

/**
 * The recognition list entries for one of this agent's DIDs: one per key, each listing
 * that key alone. A retired key's entry ends at its retirement (`validUntil` =
 * `retiredAt`, or the template's `validUntil` when earlier), so a verifier refuses what
 * it signs dated later while what it signed before still verifies. Every entry starts
 * at the template's `validFrom` (the accreditation), not at the key's `activeFrom`: a
 * re-emission keeps the dates of the credential it signs again, so the current key
 * signs credentials dated before it became active. A key whose retirement comes before
 * the template's `validFrom` is left out (it signed nothing the accreditation covers).
 */
export async function recognitionEntries(
  agent: TradewindAgent,
  did: string,
  template: RecognitionEntryTemplate,
): Promise<RecognitionEntry[]> {
  return recognitionEntriesFor(did, await signingKeys(agent, did), template);
}

/**
 * The recognition list entries of a DID from its keys and their periods, as
 * `Issuer.signingKeys` returns them or an issuer service publishes them (`GET /keys`):
 * what a trust anchor, which holds none of the issuer's keys, writes into its list. One
 * entry per key, each listing that key alone; a retired key's entry ends at its
 * `retiredAt` (or the template's `validUntil` when earlier); every entry starts at the
 * template's `validFrom`, not at the key's `activeFrom`, because a re-emission keeps
 * the dates of the credential it signs again; a key retired before the template's
 * `validFrom` is left out. The entries are checked as verifiers check them
 * (`INVALID_ARGUMENT` with the path in the template).
 *
 * @example
 * ```ts
 * const { did, keys } = await (await fetch('https://registry.gov.tt/keys')).json()
 * const entries = recognitionEntriesFor(did, keys, { country: 'TT', name: 'Registrar General', credentialTypes: ['*'], assuranceLevel: 'high' })
 * ```
 */
export function recognitionEntriesFor(
  did: string,
  keys: ReadonlyArray<Pick<SigningKey, 'verificationMethod' | 'publicJwk' | 'retiredAt'>>,
  template: RecognitionEntryTemplate,
): RecognitionEntry[] {
  if (typeof did !== 'string' || !/^did:[a-z0-9]+:\S+$/.test(did))
    throw new TradewindError('INVALID_ARGUMENT', 'did must be a DID', { path: '/did' });
  if (!Array.isArray(keys) || keys.length === 0)
    throw new TradewindError('INVALID_ARGUMENT', 'keys must be a non-empty list of keys with their periods', { path: '/keys' });
  const from = template.validFrom === undefined ? undefined : parseDateTimeStamp(template.validFrom);
  const until = template.validUntil === undefined ? undefined : parseDateTimeStamp(template.validUntil);
  if (template.validFrom !== undefined && from === undefined)
    throw new TradewindError('INVALID_ARGUMENT', 'validFrom must be a date-time with a time zone', { path: '/validFrom' });
  if (template.validUntil !== undefined && until === undefined)
    throw new TradewindError('INVALID_ARGUMENT', 'validUntil must be a date-time with a time zone', { path: '/validUntil' });
  const entries: RecognitionEntry[] = [];
  const sourceOf: number[] = [];
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null || typeof key.verificationMethod !== 'string')
      throw new TradewindError('INVALID_ARGUMENT', 'each key needs its verificationMethod and publicJwk', { path: `/keys/${i}` });
    const entry: RecognitionEntry = { ...template, id: did, keys: [{ ...key.publicJwk, kid: key.verificationMethod }] };
    if (key.retiredAt !== undefined) {
      const retired = typeof key.retiredAt === 'string' ? parseDateTimeStamp(key.retiredAt) : undefined;
      if (retired === undefined)
        throw new TradewindError('INVALID_ARGUMENT', 'retiredAt must be a date-time with a time zone', { path: `/keys/${i}/retiredAt` });
      if (from !== undefined && retired < from) continue;
      if (until === undefined || retired < until) entry.validUntil = key.retiredAt;
    }
    entries.push(entry);
    sourceOf.push(i);
  }
  // The same checks a verifier applies to the list, so a bad template or key fails here.
  try {
    parseRecognitionListSubject({ sequence: 0, nextUpdate: '9999-12-31T23:59:59Z', entries: entries as never });
  } catch (e) {
    if (e instanceof TradewindError)
      throw new TradewindError('INVALID_ARGUMENT', e.message, e.path === undefined ? undefined : { path: pathInInput(e.path, sourceOf) });
    throw e;
  }
  return entries;
}
