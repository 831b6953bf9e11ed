import { randomInt } from 'node:crypto';
import { DidKeyResolver, isJsonObject, type JsonObject, type PublicJwk, TradewindError, toPublicJwk } from '@tradewind/core';
import { MAX_DOCUMENT_BYTES, type NormalizedRequest } from './credential-document.js';

/** Holder binding of an SD-JWT VC: `cnf.jwk` (the holder's public key) or `cnf.kid` (a DID URL of the holder). */
export type HolderBinding = 'jwk' | 'kid';

/** Per credential type settings of SD-JWT VCs (see the README, "SD-JWT VC"). */
export interface SdJwtTypeSettings {
  /** JSON pointers of the claims that are selectively disclosable (replaces the type's default). */
  disclose?: string[];
  /** Ages for which an `age_over_<n>` claim is derived from `birthdate` (default `[18]`; `[]` for none). */
  ageOver?: number[];
}

/** SD-JWT VC settings of an issuer (an `openIssuer` option, not stored in the database). */
export interface SdJwtSettings {
  /** Settings by credential type name (the request's type, or its vct). */
  types?: Record<string, SdJwtTypeSettings>;
}

/** What the issuer signs for a `dc+sd-jwt` request (everything but the status reference and `iat`). */
export interface SdJwtPlan {
  vct: string;
  /** The claims (credentialSubject without `id`, with the derived age claims), null-prototype objects. */
  claims: JsonObject;
  /** The disclosure frame of `@sd-jwt/core` (`_sd` names and indexes, `_sd_decoy` counts). */
  frame: DisclosureFrameObject;
  /** JSON pointers of the selectively disclosable claims, in claim order. */
  disclosable: string[];
  /** The holder's key or DID, before resolution. */
  holder?: { jwk: PublicJwk } | { did: string; binding: HolderBinding; path: string };
  /** The `cnf` claim, once the holder is known. */
  cnf?: { jwk: PublicJwk } | { kid: string };
  /** NumericDates: `nbf` (a validFrom later than the signing time) and `exp` (validUntil). */
  validFromSeconds: number;
  exp?: number;
}

/** A disclosure frame as `@sd-jwt/core`'s `pack` reads it. */
export interface DisclosureFrameObject {
  _sd?: Array<string | number>;
  _sd_decoy?: number;
  [key: string]: DisclosureFrameObject | Array<string | number> | number | undefined;
}

/** Types whose claims are personal identification data: every claim disclosable, nested ones member by member. */
export const PID_TYPES: ReadonlySet<string> = new Set(['NationalIdCredential', 'PersonIdentificationData', 'urn:eudi:pid:1']);

/**
 * Claims that are the SD-JWT VC's own (RFC 7519 and SD-JWT VC registered claims): never
 * taken from the subject claims, and never selectively disclosable.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'iat',
  'nbf',
  'exp',
  'cnf',
  'vct',
  'vct#integrity',
  'status',
  'sub',
  'jti',
  'aud',
  '_sd',
  '_sd_alg',
  '_sd_decoy',
  '...',
]);

/** Most decoy digests per `_sd` array a request may ask for. */
export const MAX_DECOYS = 32;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

export interface SdJwtRequestInput {
  types: string[];
  credentialSubject: JsonObject;
  vct: unknown;
  holderKey: unknown;
  holderBinding: unknown;
  disclose: unknown;
  decoys: unknown;
  /** Start and end of validity, in milliseconds. */
  validFromMs: number;
  validUntilMs?: number;
  settings: SdJwtSettings | undefined;
}

/**
 * Checks the SD-JWT VC members of a request and plans the credential: claims, vct,
 * disclosure frame with decoys, derived age claims, holder. `INVALID_ARGUMENT` (or
 * `MALFORMED` for claim names) with the path at fault.
 */
export function planSdJwt(input: SdJwtRequestInput): SdJwtPlan {
  const { types, credentialSubject } = input;
  const vct = input.vct ?? types.find((t) => t !== 'VerifiableCredential');
  if (typeof vct !== 'string' || vct === '' || vct.length > 2048)
    throw invalid('vct must be a non-empty string (a type name or URI) of at most 2048 characters', '/vct');
  const settings = typeSettings(input.settings, [vct, ...types]);
  // Claims: the subject without its id (the holder, which becomes cnf).
  const claims = Object.create(null) as JsonObject;
  for (const key of Object.keys(credentialSubject)) {
    if (key === 'id') continue;
    if (RESERVED_CLAIMS.has(key))
      throw invalid(
        `${JSON.stringify(key)} is a claim the issuer sets in an SD-JWT VC (or a name SD-JWT reserves): it cannot be a subject claim`,
        `/credentialSubject/${pointerToken(key)}`,
      );
    claims[key] = credentialSubject[key];
  }
  checkNestedNames(claims, '/credentialSubject');
  if (Buffer.byteLength(JSON.stringify(claims)) > MAX_DOCUMENT_BYTES)
    throw new TradewindError('LIMIT_EXCEEDED', `the claims are longer than ${MAX_DOCUMENT_BYTES} bytes of JSON`, {
      path: '/credentialSubject',
    });
  const validFromMs = input.validFromMs;
  addAgeClaims(claims, settings.ageOver ?? [18], new Date(validFromMs));
  if (Object.keys(claims).length === 0) throw invalid('credentialSubject has no claims besides id', '/credentialSubject');

  // Disclosable claims: the request's pointers, else the type's configured ones, else the default.
  let pointers: string[];
  if (input.disclose !== undefined) pointers = checkPointers(input.disclose, '/disclose');
  else if (settings.disclose !== undefined) pointers = checkPointers(settings.disclose, '/sdJwt/types');
  else pointers = defaultPointers(claims, PID_TYPES.has(vct) || types.some((t) => PID_TYPES.has(t)));
  const decoys = checkDecoys(input.decoys);
  const frame = buildFrame(claims, pointers, decoys);

  const plan: SdJwtPlan = {
    vct,
    claims,
    frame,
    disclosable: orderedPointers(claims, pointers),
    validFromSeconds: Math.floor(validFromMs / 1000),
  };
  if (input.validUntilMs !== undefined) plan.exp = Math.floor(input.validUntilMs / 1000);

  // Holder: a public JWK wins over the subject id (a DID).
  const binding = input.holderBinding ?? 'jwk';
  if (binding !== 'jwk' && binding !== 'kid') throw invalid('holderBinding must be jwk or kid', '/holderBinding');
  if (input.holderKey !== undefined) {
    if (binding === 'kid')
      throw invalid('holderBinding kid needs the holder as a DID (credentialSubject.id), not a holderKey', '/holderBinding');
    plan.holder = { jwk: checkHolderKey(input.holderKey) };
    plan.cnf = { jwk: plan.holder.jwk };
  } else if (typeof credentialSubject.id === 'string') {
    if (!credentialSubject.id.startsWith('did:'))
      throw invalid(
        'the holder of an SD-JWT VC is a DID (credentialSubject.id) or a public key (holderKey): this id is neither',
        '/credentialSubject/id',
      );
    plan.holder = { did: credentialSubject.id, binding, path: '/credentialSubject/id' };
  } else if (input.holderBinding !== undefined) {
    throw invalid('holderBinding needs a holder: credentialSubject.id (a DID) or holderKey', '/holderBinding');
  }
  return plan;
}

/** Refuses the SD-JWT VC members in a request of another format. */
export function refuseSdJwtMembers(request: Record<string, unknown>): void {
  for (const key of ['vct', 'holderKey', 'holderBinding', 'disclose', 'decoys'])
    if (request[key] !== undefined) throw invalid(`${key} is a member of dc+sd-jwt requests only (format is not dc+sd-jwt)`, `/${key}`);
}

// The settings of the first of the names (vct, then the types) that has some.
function typeSettings(settings: SdJwtSettings | undefined, names: string[]): SdJwtTypeSettings {
  const types = settings?.types;
  if (types === undefined) return {};
  for (const name of names) if (Object.hasOwn(types, name)) return types[name] as SdJwtTypeSettings;
  return {};
}

/** Checks the `sdJwt` option of `openIssuer`; returns a copy. */
export function checkSdJwtSettings(given: unknown): SdJwtSettings {
  if (!isJsonObject(given)) throw invalid('sdJwt must be an object { types }', '/sdJwt');
  for (const key of Object.keys(given))
    if (key !== 'types') throw invalid(`unknown member ${JSON.stringify(key)} of sdJwt`, `/sdJwt/${key}`);
  const out: SdJwtSettings = {};
  if (given.types === undefined) return out;
  if (!isJsonObject(given.types)) throw invalid('sdJwt.types must be an object by type name', '/sdJwt/types');
  const types = Object.create(null) as Record<string, SdJwtTypeSettings>;
  for (const [name, value] of Object.entries(given.types)) {
    const path = `/sdJwt/types/${pointerToken(name)}`;
    if (!isJsonObject(value)) throw invalid('a type setting must be an object { disclose?, ageOver? }', path);
    const setting: SdJwtTypeSettings = {};
    for (const key of Object.keys(value))
      if (key !== 'disclose' && key !== 'ageOver') throw invalid(`unknown member ${JSON.stringify(key)}`, `${path}/${key}`);
    if (value.disclose !== undefined) setting.disclose = checkPointers(value.disclose, `${path}/disclose`);
    if (value.ageOver !== undefined) {
      const ages = value.ageOver;
      if (
        !Array.isArray(ages) ||
        !ages.every((a) => Number.isSafeInteger(a) && (a as number) >= 1 && (a as number) <= 150) ||
        new Set(ages).size !== ages.length
      )
        throw invalid('ageOver must be a list of distinct whole ages from 1 to 150', `${path}/ageOver`);
      setting.ageOver = [...(ages as number[])];
    }
    types[name] = setting;
  }
  out.types = types;
  return out;
}

// `_sd`, `_sd_alg` and `...` are SD-JWT's own names at any depth (a claim of that name would
// be read as digests), and `_sd_decoy` the disclosure frame's.
function checkNestedNames(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkNestedNames(v, `${path}/${i}`);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    if (key === '_sd' || key === '...' || key === '_sd_alg' || key === '_sd_decoy')
      throw new TradewindError('MALFORMED', `the claim name ${JSON.stringify(key)} is reserved by SD-JWT`, {
        path: `${path}/${pointerToken(key)}`,
      });
    checkNestedNames(value[key], `${path}/${pointerToken(key)}`);
  }
}

/**
 * Adds `age_over_<n>` for each threshold when `birthdate` (YYYY-MM-DD) is a claim: true
 * when the holder had reached that age on `at` (the start of validity), in UTC.
 */
function addAgeClaims(claims: JsonObject, thresholds: number[], at: Date): void {
  if (!Object.hasOwn(claims, 'birthdate') || thresholds.length === 0) return;
  const birthdate = claims.birthdate;
  const m = typeof birthdate === 'string' ? DATE.exec(birthdate) : null;
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const valid = m !== null && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
  if (!valid) throw invalid('birthdate must be a date YYYY-MM-DD (the age claims are derived from it)', '/credentialSubject/birthdate');
  let age = at.getUTCFullYear() - y;
  const month = at.getUTCMonth() + 1;
  if (month < mo || (month === mo && at.getUTCDate() < d)) age -= 1;
  for (const n of [...thresholds].sort((a, b) => a - b)) {
    const name = `age_over_${n}`;
    if (Object.hasOwn(claims, name))
      throw invalid(`${name} is derived by the issuer from birthdate: leave it out of the claims`, `/credentialSubject/${name}`);
    claims[name] = age >= n;
  }
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function checkPointers(given: unknown, path: string): string[] {
  if (!Array.isArray(given) || given.length > 1000 || !given.every((p) => typeof p === 'string'))
    throw invalid('disclose must be a list of JSON pointers (such as /given_name or /address/locality)', path);
  given.forEach((p: string, i) => {
    if (!/^(\/([^~/]|~[01])*)+$/.test(p)) throw invalid(`${JSON.stringify(p)} is not a JSON pointer (such as /given_name)`, `${path}/${i}`);
  });
  if (new Set(given).size !== given.length) throw invalid('disclose lists a pointer twice', path);
  return [...(given as string[])];
}

function checkDecoys(given: unknown): number | undefined {
  if (given === undefined) return undefined;
  if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0 || given > MAX_DECOYS)
    throw invalid(`decoys must be a whole number from 0 to ${MAX_DECOYS}`, '/decoys');
  return given;
}

function checkHolderKey(given: unknown): PublicJwk {
  if (!isJsonObject(given)) throw invalid('holderKey must be a public JWK (an object)', '/holderKey');
  for (const member of PRIVATE_JWK_MEMBERS)
    if (Object.hasOwn(given, member))
      throw invalid(`holderKey has the private member ${member}: give the holder's public key only`, `/holderKey/${member}`);
  try {
    return toPublicJwk(given, 'holderKey');
  } catch (cause) {
    throw new TradewindError(
      'INVALID_ARGUMENT',
      `holderKey must be an Ed25519 (OKP) or P-256 (EC) public JWK: ${(cause as Error).message}`,
      {
        path: '/holderKey',
        cause,
      },
    );
  }
}

// Pointers of the default: every top-level claim; every member of a nested object (at
// any depth); for PID types also every element of an array of plain values.
function defaultPointers(claims: JsonObject, pid: boolean): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string, top: boolean) => {
    if (path !== '') out.push(path);
    if (isJsonObject(value)) for (const key of Object.keys(value)) walk(value[key], `${path}/${pointerToken(key)}`, false);
    else if (Array.isArray(value) && pid && !top)
      for (const [i, v] of value.entries()) {
        out.push(`${path}/${i}`);
        if (isJsonObject(v)) walk(v, `${path}/${i}`, false);
      }
  };
  walk(claims, '', true);
  return out;
}

// The pointers in the order the claims list them (depth first).
function orderedPointers(claims: JsonObject, pointers: string[]): string[] {
  const wanted = new Set(pointers);
  const out: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (path !== '' && wanted.has(path)) out.push(path);
    if (isJsonObject(value)) for (const key of Object.keys(value)) walk(value[key], `${path}/${pointerToken(key)}`);
    else if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, `${path}/${i}`);
  };
  walk(claims, '');
  return out;
}

/**
 * The disclosure frame for the pointers: each pointer's last step goes into its parent's
 * `_sd`; decoys are added to each `_sd` array (`decoys` exactly, or by default 2 to 4 at
 * the top level and 1 to 2 in a nested object), and always at the top level.
 * `INVALID_ARGUMENT` for a pointer that names no claim.
 */
function buildFrame(claims: JsonObject, pointers: string[], decoys: number | undefined): DisclosureFrameObject {
  const root: DisclosureFrameObject = {};
  const objects: DisclosureFrameObject[] = [];
  for (const [n, pointer] of pointers.entries()) {
    const steps = pointer.slice(1).split('/').map(fromPointerToken);
    let value: unknown = claims;
    let frame = root;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as string;
      const last = i === steps.length - 1;
      let key: string | number;
      if (Array.isArray(value)) {
        if (!/^(0|[1-9][0-9]*)$/.test(step) || Number(step) >= value.length) throw unknownPointer(pointer, n);
        key = Number(step);
        value = value[key];
      } else if (isJsonObject(value) && Object.hasOwn(value, step)) {
        key = step;
        value = value[step];
      } else throw unknownPointer(pointer, n);
      if (last) {
        frame._sd ??= [];
        if (!frame._sd.includes(key)) frame._sd.push(key);
      } else {
        const child = frame[String(key)];
        if (child === undefined || typeof child !== 'object' || Array.isArray(child)) {
          const created: DisclosureFrameObject = {};
          frame[String(key)] = created;
          frame = created;
          if (!Array.isArray(value)) objects.push(created);
        } else frame = child as DisclosureFrameObject;
      }
    }
  }
  root._sd ??= [];
  root._sd_decoy = decoys ?? randomInt(2, 5);
  for (const frame of objects) if (frame._sd && frame._sd.length > 0) frame._sd_decoy = decoys ?? randomInt(1, 3);
  return root;
}

function unknownPointer(pointer: string, n: number): TradewindError {
  return invalid(`${pointer} names no claim of this credential`, `/disclose/${n}`);
}

/** A JSON pointer reference token (RFC 6901). */
export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function fromPointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Resolves the holder DIDs of SD-JWT VC requests offline (did:key, did:jwk: core's
 * resolver) into their `cnf`: the DID's first authentication key as `cnf.jwk`, or its
 * verification method id as `cnf.kid`. A DID that cannot be resolved offline (did:web)
 * is `INVALID_ARGUMENT`: give `holderKey` instead.
 */
export async function resolveHolders(requests: Array<Pick<NormalizedRequest, 'sdJwt'>>, resolver = new DidKeyResolver()): Promise<void> {
  for (const r of requests) {
    const plan = r.sdJwt;
    if (plan === undefined || plan.cnf !== undefined || plan.holder === undefined || !('did' in plan.holder)) continue;
    const { did, binding, path } = plan.holder;
    let key: { id: string; jwk: PublicJwk } | undefined;
    try {
      [key] = await resolver.keysFor(did, 'authentication');
    } catch (cause) {
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `the holder ${did.slice(0, 200)} cannot be resolved offline (${(cause as Error).message}): bind the credential with holderKey (the holder's public JWK)`,
        { path, cause },
      );
    }
    if (key === undefined) throw invalid(`the holder DID has no authentication key to bind the credential to`, path);
    plan.cnf = binding === 'kid' ? { kid: key.id } : { jwk: toPublicJwk(key.jwk, 'the holder key') };
  }
}

function invalid(message: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', message, { path });
}
