import { KBJwt } from '@sd-jwt/core';
import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { base64urlEncode, TradewindError, utf8Encode } from '@tradewind/core';
import { describe } from '../arguments.js';
import { type DisclosableClaim, type DisclosureNode, escapePointer, type SdJwtParts, sdHasher } from './disclosures.js';

/** What {@link Wallet.presentSdJwt} presents. */
export interface SdJwtPresentationRequest {
  /** Wallet id of a stored `dc+sd-jwt` credential. */
  credential: string;
  /**
   * The claims to show: JSON Pointers (`/address/locality`), bare top-level names
   * (`given_name`) or dotted paths (`address.locality`). A claim that sits in a
   * disclosable one brings that one along (without its other disclosable members); a
   * claim with disclosable members shows all of them. Claims the issuer signed in plain
   * text are always shown; naming one changes nothing. `[]` shows only those.
   */
  disclose: readonly string[];
  /** The verifier's challenge (`nonce` of the key-binding JWT). Required. */
  nonce: string;
  /** The verifier the presentation is for (`aud` of the key-binding JWT). Required. */
  audience: string;
  /** Signing time (`iat`; tests, audits). Default now. */
  now?: Date;
}

/** A claim left out of a presentation. */
export interface WithheldClaim {
  path: string;
  name?: string;
}

/** The result of {@link Wallet.presentSdJwt}. */
export interface SdJwtPresentation {
  /** The compact SD-JWT with the chosen disclosures and the key-binding JWT: `<issuer-jwt>~<disclosure>~…~<kb-jwt>`. */
  presentation: string;
  /** Each disclosable claim presented, with its value as the verifier sees it, in the credential's order. */
  disclosed: DisclosableClaim[];
  /** Each disclosable claim not presented. Decoy digests are not claims and are not listed. */
  withheld: WithheldClaim[];
  /** The paths of the claims every presentation of this credential shows (signed in plain text: `iss`, `vct`, `cnf`, …). */
  alwaysShown: string[];
}

/** The JSON Pointer a caller's claim name means, checked against the credential's claims. */
export function pointerOf(entry: unknown, claims: unknown): string {
  if (typeof entry !== 'string' || entry.length === 0)
    throw new TradewindError('INVALID_ARGUMENT', `a claim to disclose is a non-empty string, not ${describe(entry)}`);
  const candidates: string[] = [];
  if (entry.startsWith('/')) candidates.push(entry);
  else {
    candidates.push(`/${escapePointer(entry)}`);
    if (entry.includes('.')) candidates.push(`/${entry.split('.').map(escapePointer).join('/')}`);
  }
  const found = candidates.find((p) => exists(claims, p));
  if (found === undefined) throw new TradewindError('INVALID_ARGUMENT', `the credential has no claim ${describe(entry)} to disclose`);
  return found;
}

/** Whether a JSON Pointer names a value inside `root`. */
function exists(root: unknown, pointer: string): boolean {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment) || Number(segment) >= node.length) return false;
      node = node[Number(segment)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else return false;
  }
  return true;
}

const within = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

/** The disclosures that show the claims at `pointers`: each one's own, those above it, and those nested in it. */
export function selectDisclosures(parts: SdJwtParts, pointers: readonly string[]): Set<DisclosureNode> {
  const chosen = new Set<DisclosureNode>();
  for (const pointer of pointers) for (const d of parts.disclosures) if (within(d.path, pointer) || within(pointer, d.path)) chosen.add(d);
  return chosen;
}

/**
 * Builds the presentation: the issuer-signed JWT, the chosen disclosures as the issuer
 * encoded them (in the credential's order), and a key-binding JWT (`@sd-jwt/core`'s
 * `KBJwt`) with `iat`, `aud`, `nonce` and `sd_hash` (the `_sd_alg` hash of everything
 * before it), signed by the holder's key through the wallet agent's key manager.
 */
export async function presentSdJwt(
  agent: TradewindAgent,
  holder: ManagedDid,
  parts: SdJwtParts,
  chosen: ReadonlySet<DisclosureNode>,
  request: { nonce: string; audience: string; now: Date },
): Promise<SdJwtPresentation> {
  const selected = parts.disclosures.filter((d) => chosen.has(d));
  const encoded = new Set(selected.map((d) => d.encoded));
  const withoutKb = `${parts.jwt}~${selected.map((d) => `${d.encoded}~`).join('')}`;
  const sdHash = base64urlEncode(sdHasher(withoutKb, parts.sdAlg));
  const kb = new KBJwt({
    header: { typ: 'kb+jwt', alg: holder.alg },
    payload: { iat: Math.floor(request.now.getTime() / 1000), aud: request.audience, nonce: request.nonce, sd_hash: sdHash },
  });
  const kbJwt = await kb.sign(async (data: string) => base64urlEncode(await agent.sign(holder.keyId, utf8Encode(data))));
  return {
    presentation: `${withoutKb}${kbJwt}`,
    disclosed: selected.map((d) => ({
      path: d.path,
      ...(d.name === undefined ? {} : { name: d.name }),
      value: parts.resolve(d.rawValue, (e) => encoded.has(e)),
      ...(d.parent === undefined ? {} : { parent: d.parent }),
    })),
    withheld: parts.disclosures
      .filter((d) => !chosen.has(d))
      .map((d) => ({ path: d.path, ...(d.name === undefined ? {} : { name: d.name }) })),
    alwaysShown: parts.alwaysShown.map((c) => c.path),
  };
}
