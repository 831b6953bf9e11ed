import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { type CredentialStatus, TradewindError, type VerifiableCredential } from '@tradewind/core';
import { contentDigest } from './content-digest.js';
import { type IssueRequest, normalizeRequest } from './credential-request.js';
import type { LoggedCredential } from './issuance-log.js';
import type { IssuedCredential } from './issue-group.js';
import { buildCredential, signCredential, statusEntry } from './sign-credential.js';

/** A logged credential rebuilt from a request, whose content matches what was issued. */
export interface Rebuilt {
  log: LoggedCredential;
  credential: VerifiableCredential;
  status: CredentialStatus[];
  digest: string;
}

/**
 * Rebuilds the credential logged as `log` from `request`: its id, status entries and,
 * where the request leaves them out, its issuer and validFrom come from the log. Throws
 * `ALREADY_EXISTS` when the content differs from what was issued under that id (or the
 * log holds no digest to compare with): re-emission signs only what was signed before.
 */
export function rebuildLogged(request: IssueRequest, log: LoggedCredential): Rebuilt {
  const normalized = normalizeRequest(
    { ...request, id: request.id ?? log.credentialId },
    { issuer: log.issuer, now: new Date(log.validFrom ?? log.issuedAt) },
  );
  const which = `credential ${log.credentialId}`;
  if (log.contentDigest === undefined) {
    throw new TradewindError(
      'ALREADY_EXISTS',
      `${which} was issued before this database recorded what credentials say, so a re-emission cannot be checked against it; issue a new credential instead`,
    );
  }
  const purposes = new Set(log.status.map((s) => s.purpose));
  const samePurposes = normalized.status.length === purposes.size && normalized.status.every((p) => purposes.has(p));
  const status = log.status.map(statusEntry);
  const credential = buildCredential({ ...normalized, id: log.credentialId }, status);
  const digest = contentDigest(normalized.format, credential);
  if (!samePurposes || normalized.id !== log.credentialId || normalized.issuer !== log.issuer || digest !== log.contentDigest) {
    throw new TradewindError(
      'ALREADY_EXISTS',
      `${which} was issued with other content than this request; re-emission signs only what was issued under that id (issue the new content under a new id)`,
    );
  }
  return { log, credential, status, digest };
}

/** Signs a rebuilt credential again: same id, status indexes, dates and iat as the logged one. */
export async function signRebuilt(agent: TradewindAgent, signer: ManagedDid, rebuilt: Rebuilt): Promise<IssuedCredential> {
  const { log, credential, status } = rebuilt;
  const jwt = await signCredential(agent, signer, credential, log.format, Math.floor(Date.parse(log.issuedAt) / 1000));
  const out: IssuedCredential = {
    id: log.credentialId,
    format: log.format,
    jwt,
    credential,
    issuer: log.issuer,
    status,
    issuedAt: log.issuedAt,
  };
  if (log.recordKey !== undefined) out.recordKey = log.recordKey;
  return out;
}
