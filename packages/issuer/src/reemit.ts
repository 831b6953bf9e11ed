import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { type CredentialStatus, TradewindError, type VerifiableCredential } from '@tradewind/core';
import { contentDigest } from './content-digest.js';
import { finalCredential, isDocumentRequest, type NormalizedRequest, normalizeDocument, statusEntry } from './credential-document.js';
import { type IssueRequest, normalizeRequest } from './credential-request.js';
import { type DataIntegritySettings, diText, signDataIntegrity } from './data-integrity.js';
import type { LoggedCredential } from './issuance-log.js';
import { type IssuedCredential, issuedAtSeconds } from './issue-group.js';
import { sdJwtContent, sdJwtPayload, signSdJwt, type TokenStatusReference } from './sd-jwt-credential.js';
import { resolveHolders, type SdJwtPlan, type SdJwtSettings } from './sd-jwt-request.js';
import { signCredential } from './sign-credential.js';

/** A logged credential rebuilt from a request, whose content matches what was issued. */
export interface Rebuilt {
  log: LoggedCredential;
  credential: VerifiableCredential;
  status: CredentialStatus[];
  digest: string;
  /** `dc+sd-jwt`: what is signed again (new salts and decoys, the same content). */
  sdJwt?: { plan: SdJwtPlan; statusList?: TokenStatusReference };
}

/**
 * Rebuilds the credential logged as `log` from `request` (either form, already read
 * once): its id, status entries and, where the request leaves them out, its issuer and
 * start of validity come from the log. Throws `ALREADY_EXISTS` when the content differs
 * from what was issued under that id (or the log holds no digest to compare with):
 * re-emission signs only what was signed before.
 */
export async function rebuildLogged(
  request: unknown,
  log: LoggedCredential,
  baseUrl: string | undefined,
  sdJwt?: SdJwtSettings,
): Promise<Rebuilt> {
  const which = `credential ${log.credentialId}`;
  const now = new Date(log.issuedAt);
  const candidates: Array<() => NormalizedRequest> = [];
  if (isDocumentRequest(request)) {
    candidates.push(() =>
      normalizeDocument(request, {
        issuer: log.issuer,
        now,
        baseUrl,
        copied: true,
        id: log.credentialId,
        ...(log.validFrom === undefined ? {} : { validFrom: log.validFrom }),
      }),
    );
  } else {
    const r = request as IssueRequest;
    const given = { ...r, id: r.id ?? log.credentialId };
    const defaults = {
      issuer: log.issuer,
      now,
      baseUrl,
      sdJwt,
      ...(log.validFrom === undefined ? {} : { validFrom: log.validFrom }),
    };
    candidates.push(() => normalizeRequest(given, defaults));
    // Credentials issued before dates were kept as given had them in UTC whole seconds.
    if (r.validFrom !== undefined || r.validUntil !== undefined)
      candidates.push(() => normalizeRequest(given, { ...defaults, legacyDates: true }));
  }
  const normalized = (candidates[0] as () => NormalizedRequest)();
  if (log.contentDigest === undefined) {
    throw new TradewindError(
      'ALREADY_EXISTS',
      `${which} was issued before this database recorded what credentials say, so a re-emission cannot be checked against it; issue a new credential instead`,
    );
  }
  const purposes = new Set(log.status.map((s) => s.purpose));
  const samePurposes = normalized.status.length === purposes.size && normalized.status.every((p) => purposes.has(p));
  if (normalized.sdJwt !== undefined || log.format === 'dc+sd-jwt') {
    // One Token Status List entry, logged once per purpose; the holder DID resolved again.
    const first = log.status[0];
    const statusList = first === undefined ? undefined : { idx: first.index, uri: first.listId };
    if (normalized.sdJwt !== undefined && samePurposes && normalized.id === log.credentialId && normalized.issuer === log.issuer) {
      await resolveHolders([normalized]);
      const plan = normalized.sdJwt;
      const payload = sdJwtPayload(log.issuer, plan, statusList, Math.floor(Date.parse(log.issuedAt) / 1000));
      const digest = contentDigest('dc+sd-jwt', sdJwtContent(payload, plan));
      if (digest === log.contentDigest)
        return {
          log,
          credential: payload as unknown as VerifiableCredential,
          status: [],
          digest,
          sdJwt: { plan, ...(statusList === undefined ? {} : { statusList }) },
        };
    }
    throw new TradewindError(
      'ALREADY_EXISTS',
      `${which} was issued with other content than this request; re-emission signs only what was issued under that id (issue the new content under a new id)`,
    );
  }
  const status = log.status.map(statusEntry);
  if (samePurposes && normalized.id === log.credentialId && normalized.issuer === log.issuer) {
    for (const [i, candidate] of candidates.entries()) {
      const n = i === 0 ? normalized : candidate();
      const credential = finalCredential(n, status);
      const digest = contentDigest(n.format, credential);
      if (digest === log.contentDigest) return { log, credential, status, digest };
    }
  }
  throw new TradewindError(
    'ALREADY_EXISTS',
    `${which} was issued with other content than this request; re-emission signs only what was issued under that id (issue the new content under a new id)`,
  );
}

/**
 * Signs a rebuilt credential again: same id, status indexes, dates and iat as the logged
 * one. A `dc+sd-jwt` credential gets new salts and decoys: the same claims and
 * disclosable paths, another SD-JWT.
 */
export async function signRebuilt(
  agent: TradewindAgent,
  signer: ManagedDid,
  rebuilt: Rebuilt,
  dataIntegrity?: DataIntegritySettings,
): Promise<IssuedCredential> {
  const { log, status } = rebuilt;
  let { credential } = rebuilt;
  let jwt: string;
  if (rebuilt.sdJwt !== undefined)
    jwt = await signSdJwt(agent, signer, credential as unknown as Record<string, unknown>, rebuilt.sdJwt.plan);
  else if (log.format === 'di') {
    // `created` is the logged time of issuance: an Ed25519 proof comes out byte for byte the same.
    credential = (await signDataIntegrity(agent, signer, credential, issuedAtSeconds(log.issuedAt), dataIntegrity)) as VerifiableCredential;
    jwt = diText(credential);
  } else jwt = await signCredential(agent, signer, credential, log.format, Math.floor(Date.parse(log.issuedAt) / 1000));
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
  if (rebuilt.sdJwt?.statusList !== undefined) out.statusList = rebuilt.sdJwt.statusList;
  if (rebuilt.sdJwt !== undefined) out.disclosable = [...rebuilt.sdJwt.plan.disclosable];
  return out;
}
