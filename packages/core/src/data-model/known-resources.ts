// Resources a verifier holds without fetching them, and the digests of their published
// texts. VCDM 2.0 §B.1: implementations MUST treat the base context as already retrieved,
// and §5.3: a verifier that uses a related resource MUST compute its digest and produce an
// error when it does not match the issuer's. For the base context that comparison needs no
// network: its published texts are known, so only their digests are kept here (no hashing
// at run time).

import { base64urlDecode } from '../base64url.js';

export type DigestAlgorithm = 'sha2-256' | 'sha2-384' | 'sha2-512';

/** SHA-2 digests (hex) of each published text of a resource, by algorithm. */
type KnownDigests = Record<DigestAlgorithm, readonly string[]>;

// https://www.w3.org/ns/credentials/v2 as published with the Candidate Recommendation
// (July 2024) and as published with the Recommendation (from February 2025).
const BASE_CONTEXT_V2: KnownDigests = {
  'sha2-256': [
    '24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9',
    '59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734',
  ],
  'sha2-384': [
    '35239c36999d2155312091af194a1edb61634d6ad789a5e5b19f2aebdd762dd9d1dcaada40eda7ef921c6b8c0ae107a0',
    '97f1eb8e5042356c805fdd61afa2c557663785e0794dcafa21e138fd38def18cb360133c221aa31d6896a6bf3e65b614',
  ],
  'sha2-512': [
    'cb1336dfa8670d80d03344b3b0cc25faf4d45201823c35f39bb1afe5a9f911f615ff4ec80ec5f2f89e33d14e96bec8be78e38df35b918c9cd5f3b3449bd6c88f',
    '5d55452bd2dcf8a29f5a290473eb242b1c5fb77d4e68f1a0aa87baa4dba2694852d65ec63d48ac04a99d956f9f7153b9406f84d2d04c74869b02c239a1d81305',
  ],
};

const KNOWN = new Map<string, KnownDigests>([['https://www.w3.org/ns/credentials/v2', BASE_CONTEXT_V2]]);

/** True when `url` names a resource whose published texts are known here. */
export function isKnownResource(url: string): boolean {
  return KNOWN.has(url);
}

/**
 * Whether a digest of `url` matches one of its known texts: true or false for a known
 * resource and an algorithm known for it, undefined when that cannot be told here.
 */
export function matchesKnownResource(url: string, algorithm: DigestAlgorithm | undefined, digest: Uint8Array): boolean | undefined {
  const known = KNOWN.get(url);
  if (!known || algorithm === undefined) return undefined;
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return known[algorithm].includes(hex);
}

const SRI_ALGORITHMS: Record<string, DigestAlgorithm> = { sha256: 'sha2-256', sha384: 'sha2-384', sha512: 'sha2-512' };
const SRI_STRENGTH: Record<string, number> = { sha256: 1, sha384: 2, sha512: 3 };

/**
 * SRI §3.3.3 "does response match metadataList": among the expressions of the strongest
 * algorithm given, one matching digest suffices. `metadata` is a checked SRI value.
 */
export function sriMatchesKnownResource(url: string, metadata: string): boolean | undefined {
  if (!KNOWN.has(url)) return undefined;
  const expressions = metadata
    .trim()
    .split(/[ \t\n\f\r]+/)
    .map((e) => {
      const dash = e.indexOf('-');
      const alg = e.slice(0, dash);
      const value = e.slice(dash + 1).replace(/\?.*$/, '');
      return { alg, value };
    });
  const strongest = Math.max(...expressions.map((e) => SRI_STRENGTH[e.alg] ?? 0));
  return expressions
    .filter((e) => SRI_STRENGTH[e.alg] === strongest)
    .some((e) => {
      // SRI values are standard base64; compare bytes, so '=' padding does not matter.
      const bytes = base64urlDecode(e.value.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
      return bytes !== undefined && matchesKnownResource(url, SRI_ALGORITHMS[e.alg], bytes) === true;
    });
}
