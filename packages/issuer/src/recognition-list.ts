import type { TradewindAgent } from '@tradewind/agent';
import {
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
 * need no network: for did:web, the public key with its verification method id.
 */
export async function recognitionKeys(agent: TradewindAgent, did: string): Promise<RecognizedKey[]> {
  const managed = await agent.getDid(did);
  return [{ ...managed.publicJwk, kid: managed.verificationMethod }];
}
