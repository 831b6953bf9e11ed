import { ASSURANCE_LEVELS, type AssuranceLevel, type CredentialFormat, isJsonObject, TradewindError } from '@tradewind/core';

/** Which credentials a verifier recognises from the issuers on its lists. `*` matches anything. */
export interface AcceptRule {
  /** ISO 3166-1 alpha-2 codes of the accrediting states, or `*`. */
  countries: string[] | '*';
  /** Credential types (besides VerifiableCredential), or `*`. */
  credentialTypes: string[] | '*';
  /** Lowest assurance level accepted. Default `low`. */
  minAssurance?: AssuranceLevel;
}

/**
 * A verifier's local recognition rules: whose recognition lists count, what it accepts
 * from the issuers they name, which issuers it trusts on its own, and how stale a
 * list may be. The JSON Schema is packages/verifier/schemas/recognition-policy.schema.json.
 */
export interface RecognitionPolicy {
  /**
   * Issuers trusted locally, whatever the lists say (recognised without country or
   * assurance), except that a key a list marks `revoked` never verifies. The verifier's
   * `trustedIssuers` option narrows this set like everything else.
   */
  trustedIssuers?: string[];
  /** DIDs of the trust anchors whose signed recognition lists count. */
  anchors?: string[];
  /** Recognition list files (read by the CLI, relative to the policy file). Libraries pass lists directly. */
  recognitionLists?: string[];
  /** Accept rules; a credential must match one. Default: everything the lists accredit. */
  accept?: AcceptRule[];
  /** How long past its `nextUpdate` a list may still be used, in seconds. Default 0. */
  recognitionListGraceSeconds?: number;
  /** A list past `nextUpdate` plus grace: `reject` (default, TRUST_LIST_STALE) or `warn`. */
  onStaleRecognitionList?: 'reject' | 'warn';
  /** Credential status rules. */
  status?: {
    /**
     * Reject a recognised credential without a status entry this verifier can check
     * (missing, or only unsupported entries; `[]` and `null` are MALFORMED anyway), also under a policy without
     * anchors (its trusted issuers). Default false.
     */
    required?: boolean;
    /**
     * Oldest acceptable status list, in seconds (by its validFrom, else its `iat`; unknown
     * age fails). The strictest of this, the caller's `status.maxAgeSeconds` and the list
     * entry's applies.
     */
    maxAgeSeconds?: number;
    /** An unavailable or stale status list: `reject` (default) or `warn`. */
    onUnavailable?: 'reject' | 'warn';
  };
  /** Formats accepted at all. Default: every supported format. */
  formats?: CredentialFormat[];
  /**
   * Whether a presentation's credentials must be about its holder: `subject` (default)
   * or `none`. A verifier's or a call's `holderBinding` option takes precedence.
   */
  holderBinding?: 'subject' | 'none';
}

const TOP_LEVEL = new Set([
  'trustedIssuers',
  'anchors',
  'recognitionLists',
  'accept',
  'recognitionListGraceSeconds',
  'onStaleRecognitionList',
  'status',
  'formats',
  'holderBinding',
  '$schema',
]);

/**
 * Checks a recognition policy (for example parsed from a JSON file) and returns it
 * typed. Unknown keys are an error, never ignored: a misspelt rule must not silently
 * widen what is accepted. Throws `TradewindError` with code `INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(JSON.parse(readFileSync('barbados-bank.json', 'utf8')));
 * const verifier = createVerifier({ policy, recognitionLists: [caricomListJwt] });
 * ```
 */
export function parsePolicy(value: unknown): RecognitionPolicy {
  if (!isJsonObject(value)) bad('a policy is a JSON object', '/');
  const p = value as Record<string, unknown>;
  for (const key of Object.keys(p)) if (!TOP_LEVEL.has(key)) bad(`unknown policy key "${key}"`, `/${key}`);
  for (const key of ['trustedIssuers', 'anchors'] as const) {
    if (p[key] !== undefined && !isStringArray(p[key], (s) => /^did:[a-z0-9]+:\S+$/.test(s)))
      bad(`${key} must be an array of DIDs`, `/${key}`);
  }
  if (p.recognitionLists !== undefined && !isStringArray(p.recognitionLists))
    bad('recognitionLists must be an array of file names', '/recognitionLists');
  if (p.accept !== undefined) {
    if (!Array.isArray(p.accept)) bad('accept must be an array of rules', '/accept');
    for (const [i, rule] of (p.accept as unknown[]).entries()) checkRule(rule, `/accept/${i}`);
  }
  const grace = p.recognitionListGraceSeconds;
  if (grace !== undefined && !(typeof grace === 'number' && Number.isFinite(grace) && grace >= 0)) {
    bad('recognitionListGraceSeconds must be a non-negative number', '/recognitionListGraceSeconds');
  }
  checkChoice(p.onStaleRecognitionList, '/onStaleRecognitionList');
  if (p.status !== undefined) {
    if (!isJsonObject(p.status)) bad('status must be an object', '/status');
    const s = p.status as Record<string, unknown>;
    for (const key of Object.keys(s))
      if (!['required', 'maxAgeSeconds', 'onUnavailable'].includes(key)) bad(`unknown status key "${key}"`, `/status/${key}`);
    if (s.required !== undefined && typeof s.required !== 'boolean') bad('status.required must be true or false', '/status/required');
    if (s.maxAgeSeconds !== undefined && !(typeof s.maxAgeSeconds === 'number' && s.maxAgeSeconds >= 0)) {
      bad('status.maxAgeSeconds must be a non-negative number', '/status/maxAgeSeconds');
    }
    checkChoice(s.onUnavailable, '/status/onUnavailable');
  }
  if (p.formats !== undefined && !isStringArray(p.formats, (f) => f === 'jwt_vc' || f === 'vc+jwt' || f === 'dc+sd-jwt' || f === 'di')) {
    bad('formats must list some of jwt_vc, vc+jwt, dc+sd-jwt and di', '/formats');
  }
  if (p.holderBinding !== undefined && p.holderBinding !== 'subject' && p.holderBinding !== 'none') {
    bad('holderBinding must be "subject" or "none"', '/holderBinding');
  }
  return p as RecognitionPolicy;
}

function checkRule(rule: unknown, path: string): void {
  if (!isJsonObject(rule)) bad('an accept rule is an object', path);
  const r = rule as Record<string, unknown>;
  for (const key of Object.keys(r))
    if (!['countries', 'credentialTypes', 'minAssurance'].includes(key)) bad(`unknown rule key "${key}"`, `${path}/${key}`);
  if (r.countries !== '*' && !isStringArray(r.countries, (c) => /^[A-Z]{2}$/.test(c))) {
    bad('countries must be "*" or an array of ISO 3166-1 alpha-2 codes', `${path}/countries`);
  }
  if (r.credentialTypes !== '*' && !isStringArray(r.credentialTypes))
    bad('credentialTypes must be "*" or an array of types', `${path}/credentialTypes`);
  if (r.minAssurance !== undefined && !(ASSURANCE_LEVELS as readonly unknown[]).includes(r.minAssurance)) {
    bad(`minAssurance must be one of ${ASSURANCE_LEVELS.join(', ')}`, `${path}/minAssurance`);
  }
}

function checkChoice(value: unknown, path: string): void {
  if (value !== undefined && value !== 'reject' && value !== 'warn') bad('must be "reject" or "warn"', path);
}

function isStringArray(value: unknown, each: (s: string) => boolean = (s) => s.length > 0): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && each(v));
}

function bad(message: string, path: string): never {
  throw new TradewindError('INVALID_ARGUMENT', `policy: ${message}`, { path });
}
