import type { ManagedDid } from '@tradewind/agent';
import { isJsonObject, jwkThumbprintInput, type PublicJwk } from '@tradewind/core';

/** The holder key an SD-JWT's `cnf` names: its public JWK, or a DID URL (or DID) of the holder. */
export interface ConfirmationKey {
  jwk?: PublicJwk;
  kid?: string;
}

/** The keys of the wallet's DIDs, as `cnf` may name them. */
export interface WalletKeys {
  /** RFC 7638 thumbprint input of each DID's public key → that DID. */
  byJwk: Map<string, ManagedDid>;
  /** Each DID and its verification method id → that DID. */
  byKid: Map<string, ManagedDid>;
}

export function walletKeys(dids: readonly ManagedDid[]): WalletKeys {
  const byJwk = new Map<string, ManagedDid>();
  const byKid = new Map<string, ManagedDid>();
  for (const d of dids) {
    byJwk.set(jwkThumbprintInput(d.publicJwk), d);
    byKid.set(d.did, d);
    byKid.set(d.verificationMethod, d);
  }
  return { byJwk, byKid };
}

/** The `cnf` claim of an SD-JWT payload, read defensively (anything malformed names no key). */
export function confirmationKeyOf(payload: unknown): ConfirmationKey | undefined {
  const cnf = isJsonObject(payload) ? payload.cnf : undefined;
  if (!isJsonObject(cnf)) return undefined;
  const out: ConfirmationKey = {};
  if (isJsonObject(cnf.jwk)) out.jwk = cnf.jwk as unknown as PublicJwk;
  if (typeof cnf.kid === 'string') out.kid = cnf.kid;
  return out.jwk === undefined && out.kid === undefined ? undefined : out;
}

/**
 * The wallet DID whose key `cnf` names, or undefined: `cnf.jwk` must be the public key
 * of one of the wallet's DIDs (compared by its RFC 7638 members), `cnf.kid` one of its
 * DIDs or that DID's verification method. When both are given, both must name it.
 */
export function holderFor(cnf: ConfirmationKey | undefined, keys: WalletKeys): ManagedDid | undefined {
  if (cnf === undefined) return undefined;
  let byJwk: ManagedDid | undefined;
  if (cnf.jwk !== undefined) {
    const jwk = cnf.jwk as unknown as Record<string, unknown>;
    if (typeof jwk.kty !== 'string' || typeof jwk.crv !== 'string' || typeof jwk.x !== 'string') return undefined;
    if (jwk.kty === 'EC' && typeof jwk.y !== 'string') return undefined;
    byJwk = keys.byJwk.get(jwkThumbprintInput(cnf.jwk));
    if (byJwk === undefined) return undefined;
  }
  if (cnf.kid === undefined) return byJwk;
  const byKid = keys.byKid.get(cnf.kid);
  if (byKid === undefined || (byJwk !== undefined && byJwk.did !== byKid.did)) return undefined;
  return byKid;
}

/** How a `cnf` reads in a message. */
export function describeConfirmation(cnf: ConfirmationKey | undefined): string {
  if (cnf === undefined) return 'no key (the credential has no cnf claim)';
  if (cnf.kid !== undefined) return `the key ${cnf.kid}`;
  const jwk = cnf.jwk as unknown as Record<string, unknown>;
  return `a ${String(jwk.crv ?? jwk.kty ?? 'public')} key (cnf.jwk x=${String(jwk.x ?? '?').slice(0, 12)}…)`;
}

/**
 * Whether `cnf` names a key of the DIDs a backup restores: `cnf.jwk` one of their public
 * keys, `cnf.kid` one of those DIDs or a DID URL of one, and both the same DID when both
 * are given. `dids` maps each DID to the RFC 7638 thumbprint inputs of its keys.
 */
export function boundToDids(cnf: ConfirmationKey | undefined, dids: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  if (cnf === undefined) return false;
  let byJwk: string | undefined;
  if (cnf.jwk !== undefined) {
    const jwk = cnf.jwk as unknown as Record<string, unknown>;
    if (typeof jwk.kty !== 'string' || typeof jwk.crv !== 'string' || typeof jwk.x !== 'string') return false;
    const input = jwkThumbprintInput(cnf.jwk);
    for (const [did, keys] of dids) if (keys.has(input)) byJwk = did;
    if (byJwk === undefined) return false;
  }
  if (cnf.kid === undefined) return true;
  const did = cnf.kid.split('#')[0] as string;
  return dids.has(did) && (byJwk === undefined || byJwk === did);
}
