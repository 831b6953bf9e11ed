import { createHash, randomBytes } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import type { DisclosureFrame } from '@sd-jwt/types';
import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { type JsonObject, TradewindError, utf8Encode, type VerifiableCredential } from '@tradewind/core';
import type { SdJwtPlan } from './sd-jwt-request.js';

/** Bytes of randomness in each disclosure's salt (and each decoy's). */
export const SALT_BYTES = 16;

/** The hash of `_sd_alg`, from node:crypto. */
export function sdJwtHasher(data: string | ArrayBuffer, alg: string): Uint8Array {
  const name = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[alg.toLowerCase()];
  if (name === undefined) throw new TradewindError('UNSUPPORTED_ALGORITHM', `hash algorithm ${alg} is not supported`);
  return createHash(name)
    .update(typeof data === 'string' ? data : Buffer.from(data))
    .digest();
}

/** A salt of {@link SALT_BYTES} random bytes, base64url (the library asks for a length; the salt is always 16 bytes). */
export function sdJwtSalt(): string {
  return randomBytes(SALT_BYTES).toString('base64url');
}

/** A token status reference: `status.status_list` of the credential. */
export interface TokenStatusReference {
  idx: number;
  uri: string;
}

/**
 * The SD-JWT VC payload before packing: `iss`, `iat`, `nbf` (only for a start of
 * validity later than `iat`), `exp`, `vct`, `status`, `cnf`, then the claims.
 */
export function sdJwtPayload(issuer: string, plan: SdJwtPlan, status: TokenStatusReference | undefined, iat: number): JsonObject {
  const payload: JsonObject = { iss: issuer, iat };
  if (plan.validFromSeconds > iat) payload.nbf = plan.validFromSeconds;
  if (plan.exp !== undefined) payload.exp = plan.exp;
  payload.vct = plan.vct;
  if (status !== undefined) payload.status = { status_list: { idx: status.idx, uri: status.uri } };
  if (plan.cnf !== undefined) payload.cnf = plan.cnf;
  for (const key of Object.keys(plan.claims)) payload[key] = plan.claims[key];
  return payload;
}

/**
 * What the content digest of a `dc+sd-jwt` credential covers (see content-digest.ts):
 * its payload with every claim in the clear and the paths of its disclosable claims.
 */
export function sdJwtContent(payload: JsonObject, plan: SdJwtPlan): VerifiableCredential {
  return { payload, disclosable: plan.disclosable } as unknown as VerifiableCredential;
}

/**
 * Signs an SD-JWT VC with `@sd-jwt/sd-jwt-vc`: header `alg` of the issuer's key, `typ:
 * dc+sd-jwt`, `kid` its verification method; signed through the agent's key manager,
 * like the JOSE formats. Returns the compact SD-JWT with every disclosure and no key
 * binding (`<jwt>~<disclosure>~…~`).
 */
export async function signSdJwt(agent: TradewindAgent, signer: ManagedDid, payload: JsonObject, plan: SdJwtPlan): Promise<string> {
  const instance = new SDJwtVcInstance({
    signer: async (data: string) => Buffer.from(await agent.sign(signer.keyId, utf8Encode(data))).toString('base64url'),
    signAlg: signer.alg,
    hasher: sdJwtHasher,
    hashAlg: 'sha-256',
    saltGenerator: sdJwtSalt,
  });
  // The frame is a fresh plain object: pack reads `_sd` and `_sd_decoy` and walks the rest.
  const frame = JSON.parse(JSON.stringify(plan.frame)) as DisclosureFrame<Record<string, unknown>>;
  return instance.issue(payload as Parameters<typeof instance.issue>[0], frame, {
    header: { typ: 'dc+sd-jwt', kid: signer.verificationMethod },
  });
}
