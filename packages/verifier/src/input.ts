import {
  base64urlDecode,
  ENVELOPED_CREDENTIAL_TYPE,
  ENVELOPED_PRESENTATION_TYPE,
  type EnvelopeMediaType,
  isEnvelopeLike,
  isJsonObject,
  type JsonObject,
  looksLikeCompactJws,
  nestingDepth,
  TradewindError,
  typesOf,
  type UnwrappedEnvelope,
  unwrapEnvelope,
  utf8Decode,
  type VerificationIssue,
  validateEnvelope,
} from '@tradewind/core';
import { fail, type VerifyContext } from './context.js';
import type { JwtKind } from './formats/detect.js';

const ENVELOPE_PREFIXES: ReadonlyArray<readonly [prefix: string, mediaType: EnvelopeMediaType]> = [
  ['data:application/vc+jwt,', 'vc+jwt'],
  ['data:application/vp+jwt,', 'vp+jwt'],
  ['data:application/jwt,', 'jwt'],
];
/** Longest error message returned, in characters; longer ones are cut (they quote the input). */
const MAX_MESSAGE_LENGTH = 1000;
/** Most layers unwrapped around a compact JWS (e.g. JSON text of an envelope whose id is a data: URL). */
const MAX_WRAPPING = 4;

/** What the input said about the JWS it carried: the envelope or data: URL it came in. */
export interface InputForm {
  /** What the caller verifies: the kind an envelope without a valid type is judged as. */
  expected: UnwrappedEnvelope['kind'];
  /** The envelope's own shape was checked already (by the presentation it is in). */
  envelopeChecked?: boolean;
  /** Set when the JWS came in an envelope object (`kind`) or a bare data: URL (`kind` undefined). */
  envelope?: { kind: UnwrappedEnvelope['kind'] | undefined; mediaType: EnvelopeMediaType } | undefined;
}

/**
 * Fails with every issue found (at least one; all MALFORMED from the data-model
 * checks), so that a result lists each violation with its path.
 */
export function failAll(issues: VerificationIssue[]): never {
  const first = issues[0] as VerificationIssue;
  throw new TradewindError(first.code, first.message, { ...(first.path === undefined ? {} : { path: first.path }), issues });
}

/**
 * The Data Integrity secured document (`di`) a caller passed, as an object or its JSON
 * text: a JSON object with `@context` and a `proof` (an object, or an array of objects,
 * each with a string `type`) that is not a JwtProof2020 wrapper. Undefined for anything
 * else, which the JOSE path then reads (and rejects with its reasons).
 */
export function dataIntegrityDocument(input: unknown, ctx: VerifyContext): JsonObject | undefined {
  // Hostile objects (revoked proxies, throwing getters) are left to the JOSE path, which
  // reports them as MALFORMED.
  try {
    return dataIntegrityOf(input, ctx);
  } catch {
    return undefined;
  }
}

function dataIntegrityOf(input: unknown, ctx: VerifyContext): JsonObject | undefined {
  let doc = input;
  if (typeof input === 'string') {
    if (input.length > ctx.limits.maxInputLength) return undefined;
    const text = input.trim();
    if (!text.startsWith('{') || !text.includes('"proof"')) return undefined;
    if (nestingDepth(text) > ctx.limits.maxDepth) return undefined;
    try {
      doc = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return isDataIntegrityDocument(doc) ? doc : undefined;
}

/** See {@link dataIntegrityDocument}. */
export function isDataIntegrityDocument(doc: unknown): doc is JsonObject {
  if (!isJsonObject(doc) || doc['@context'] === undefined || isEnvelopeLike(doc)) return false;
  const proof = doc.proof;
  const proofs = Array.isArray(proof) ? proof : [proof];
  if (proofs.length === 0 || !proofs.every((p) => isJsonObject(p) && typeof p.type === 'string')) return false;
  return !proofs.some((p) => (p as JsonObject).type === 'JwtProof2020');
}

/**
 * Reduces what a caller passed (a compact JWT, its JSON-quoted text, an
 * EnvelopedVerifiableCredential, or a JSON-LD credential) to the compact JWS to
 * verify, or fails with the reason it cannot be verified. The envelope it came in, if
 * any, is noted in `form`, for {@link checkEnvelopeContent} once the JWS is parsed.
 */
export function toCompactJws(input: unknown, ctx: VerifyContext, form?: InputForm, depth = 0): string {
  // Each layer (JSON text, a JSON-quoted string, a data: URL, an envelope, proof.jwt) is
  // unwrapped by a recursive call: an honest input has at most four, and a bound keeps
  // thousands of nested layers from exhausting the stack or being accepted as a credential.
  if (depth > MAX_WRAPPING) fail('MALFORMED', `input is wrapped in more than ${MAX_WRAPPING} layers (JSON, quotes, data: URLs)`, '/');
  if (typeof input === 'string') {
    if (input.length > ctx.limits.maxInputLength) {
      fail('LIMIT_EXCEEDED', `input is ${input.length} characters, over the limit of ${ctx.limits.maxInputLength}`, '/');
    }
    const text = input.trim();
    if (looksLikeCompactJws(text)) return text;
    if (text.length === 0) fail('MALFORMED', input.length === 0 ? 'input is empty' : 'input is empty (whitespace only)', '/');
    // Media types are case-insensitive, as in an envelope's id (unwrapEnvelope); the scheme is
    // taken in its canonical lower case, as envelopes take it.
    const head = text.startsWith('data:') ? text.slice(0, 24).toLowerCase() : '';
    for (const [prefix, mediaType] of ENVELOPE_PREFIXES) {
      if (head.startsWith(prefix)) {
        const content = text.slice(prefix.length);
        // RFC 2397 data of a JWT media type is the compact JWS itself: JSON there (an
        // envelope, perhaps of another kind, or a quoted string) is not what the URL says.
        if (/^\s*[{["]/.test(content)) {
          fail('MALFORMED', `a data: URL of application/${mediaType} holds a compact JWS, not JSON`, '/');
        }
        if (form && !form.envelope) form.envelope = { kind: undefined, mediaType };
        return toCompactJws(content, ctx, form, depth + 1);
      }
    }
    if (text.startsWith('{') || text.startsWith('[')) return toCompactJws(parseJsonText(text, ctx), ctx, form, depth + 1);
    if (text.startsWith('"')) {
      const unquoted = parseJsonText(text, ctx);
      if (typeof unquoted === 'string') return toCompactJws(unquoted, ctx, form, depth + 1);
    }
    return fail(...notACompactJws(text), '/');
  }
  if (ArrayBuffer.isView(input) || input instanceof ArrayBuffer) {
    fail('MALFORMED', `input is binary data (${input.constructor.name}), not a credential: pass the credential as text`, '/');
  }
  if (isJsonObject(input)) {
    if (isEnvelopeLike(input)) {
      if (!form?.envelopeChecked) {
        const types = typesOf(input.type);
        const kind = types.includes(ENVELOPED_PRESENTATION_TYPE)
          ? 'presentation'
          : types.includes(ENVELOPED_CREDENTIAL_TYPE)
            ? 'credential'
            : (form?.expected ?? 'credential');
        const issues = validateEnvelope(input, kind);
        if (issues.length > 0) failAll(issues);
      }
      const unwrapped = unwrapEnvelope(input);
      if (form) form.envelope = { kind: unwrapped.kind, mediaType: unwrapped.mediaType };
      return unwrapped.jws;
    }
    // Veramo and did-jwt-vc hand out JWT credentials as JSON with the JWT in proof.jwt
    // (JwtProof2020). The JWT is what is signed: it is verified, and the JSON beside it ignored.
    const proof = input.proof;
    if (isJsonObject(proof) && proof.type === 'JwtProof2020' && typeof proof.jwt === 'string')
      return toCompactJws(proof.jwt, ctx, form, depth + 1);
    if (proof !== undefined) {
      // Only what really is a Data Integrity secured document is an unsupported format;
      // JSON that merely has a "proof" member is not a credential at all.
      const proofs = Array.isArray(proof) ? proof : [proof];
      const dataIntegrity =
        input['@context'] !== undefined && proofs.length > 0 && proofs.every((p) => isJsonObject(p) && typeof p.type === 'string');
      if (dataIntegrity) fail('UNSUPPORTED_FORMAT', 'a Data Integrity (di) document is not read here', '/proof');
      fail('MALFORMED', 'proof is not a Data Integrity or JwtProof2020 proof', '/proof');
    }
    if (input['@context'] !== undefined) fail('MALFORMED', 'credential carries no securing mechanism (no JWS, no proof)', '/');
    // RFC 7515 §7.2 JSON serialization (flattened or general), which SD-JWT also has
    // (disclosures in the unprotected header): only the compact serialization is read.
    if (typeof input.payload === 'string' && (typeof input.signature === 'string' || Array.isArray(input.signatures))) {
      fail(
        'UNSUPPORTED_FORMAT',
        'the JSON serialization of a JWS or SD-JWT is not supported: give its compact serialization (header.payload.signature, and for an SD-JWT its "~"-separated disclosures)',
        '/',
      );
    }
    const proto = Object.getPrototypeOf(input);
    const what =
      proto === Object.prototype || proto === null ? 'a JSON object' : `a ${String(proto.constructor?.name ?? 'non-JSON object')}`;
    return fail('MALFORMED', `input is ${what} but not a credential or presentation`, '/');
  }
  const kind = input === null || input === undefined ? String(input) : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
  return fail('MALFORMED', `input is ${kind}, not a credential`, '/');
}

/**
 * Why a text that is neither JSON nor a data: URL is not a compact JWS, in words that
 * say what it is. Runs only for rejected input, so it may look at all of it.
 */
function notACompactJws(text: string): [code: 'MALFORMED' | 'UNSUPPORTED_FORMAT', message: string] {
  const comma = text.startsWith('data:') ? text.indexOf(',') : -1;
  if (comma > 0) {
    // A data: URL of another media type (dc+sd-jwt, say) is a format not read here.
    const mediaType = text.slice(5, Math.min(comma, 65));
    if (/^[a-z]+\/[a-z0-9.+-]+$/i.test(mediaType)) return ['UNSUPPORTED_FORMAT', `data: URL media type ${mediaType} is not supported`];
    return ['MALFORMED', 'input is a data: URL without a valid media type'];
  }
  // An SD-JWT is a JWS followed by '~'-separated disclosures; junk that merely contains
  // '~' is not one, and is not "unsupported" but malformed.
  if (text.includes('~')) {
    if (isSdJwt(text)) {
      return [
        'UNSUPPORTED_FORMAT',
        'an SD-JWT VC is read as its compact serialization itself (or a JSON string of it, or a data:application/dc+sd-jwt URL), not inside another wrapper',
      ];
    }
    return ['MALFORMED', 'input contains "~" but is not an SD-JWT (a compact JWS followed by "~"-separated disclosures)'];
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for binary data is the point
  if (/[\0-\x08\x0e-\x1f\x7f\ufffd]/.test(text)) return ['MALFORMED', 'input is binary data, not a credential'];
  // JSON text of a number, true, false or null: say what it is.
  if (/^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/.test(text)) {
    return ['MALFORMED', `input is the JSON value ${text.slice(0, 40)}, not a credential`];
  }
  const segments = text.split('.');
  const bad = /[^A-Za-z0-9_.-]/.exec(text);
  if (bad) {
    const what = JSON.stringify(bad[0]);
    return segments.length === 3
      ? ['MALFORMED', `input is not a compact JWS: ${what} at position ${bad.index} is not a base64url character`]
      : [
          'MALFORMED',
          'input is not a credential: neither JSON, a data: URL, nor a compact JWS (three base64url segments separated by ".")',
        ];
  }
  if (segments.length !== 3) {
    return ['MALFORMED', `a compact JWS has three base64url segments separated by "."; this input has ${segments.length}`];
  }
  return ['MALFORMED', 'the header segment of the compact JWS is empty'];
}

function isSdJwt(text: string): boolean {
  const parts = text.split('~');
  const jws = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!looksLikeCompactJws(jws)) return false;
  if (!(last === '' || looksLikeCompactJws(last))) return false;
  for (let i = 1; i < parts.length - 1; i++) if (!(parts[i] as string) || !base64urlDecode(parts[i] as string)) return false;
  const headerBytes = base64urlDecode(jws.slice(0, jws.indexOf('.')));
  const header = headerBytes && utf8Decode(headerBytes);
  try {
    const json: unknown = header === undefined ? undefined : JSON.parse(header);
    return isJsonObject(json) && typeof json.alg === 'string';
  } catch {
    return false;
  }
}

function parseJsonText(text: string, ctx: VerifyContext): unknown {
  if (nestingDepth(text) > ctx.limits.maxDepth) {
    fail('LIMIT_EXCEEDED', `JSON nests deeper than ${ctx.limits.maxDepth} levels`, '/');
  }
  try {
    return JSON.parse(text);
  } catch {
    return fail('MALFORMED', 'input is not valid JSON', '/');
  }
}

/**
 * Checks that the JWS an envelope (or data: URL) carried is what it says: a credential
 * in an EnvelopedVerifiableCredential, a presentation in an
 * EnvelopedVerifiablePresentation, and of the media type named (a `vc+jwt` data: URL
 * holds a JWS whose `typ` is vc+jwt, not a VCDM 1.1 JWT). `application/jwt` is read for
 * either format of its kind. MALFORMED at `/id` otherwise.
 */
export function checkEnvelopeContent(form: InputForm, kind: JwtKind): void {
  const envelope = form.envelope;
  if (!envelope) return;
  const presentation = kind === 'jwt_vp' || kind === 'vp+jwt';
  const where = envelope.kind === undefined ? '/' : '/id';
  if (envelope.kind === 'credential' && presentation) {
    fail('MALFORMED', 'an EnvelopedVerifiableCredential carries a presentation', where);
  }
  if (envelope.kind === 'presentation' && !presentation) {
    fail('MALFORMED', 'an EnvelopedVerifiablePresentation carries a credential', where);
  }
  if (envelope.mediaType !== 'jwt' && envelope.mediaType !== kind) {
    fail('MALFORMED', `media type application/${envelope.mediaType} contradicts the JWS, which is ${kind}`, where);
  }
}

/** Every issue an exception stands for: its `issues` when it carries several, else the one of {@link toIssue}. */
export function toIssues(e: unknown, pathPrefix = ''): VerificationIssue[] {
  if (e instanceof TradewindError && e.issues && e.issues.length > 0) {
    return e.issues.map((issue) =>
      toIssue(new TradewindError(issue.code, issue.message, issue.path === undefined ? undefined : { path: issue.path }), pathPrefix),
    );
  }
  return [toIssue(e, pathPrefix)];
}

/** Turns any exception into a verification issue: typed ones keep their code, others become MALFORMED. */
export function toIssue(e: unknown, pathPrefix = '') {
  if (e instanceof TradewindError) {
    const issue = e.toIssue();
    // Messages quote the input (a kid, an alg, contradicting claims): a 200 KB kid would
    // otherwise come back whole in the result, in logs and on the terminal.
    if (issue.message.length > MAX_MESSAGE_LENGTH) issue.message = `${issue.message.slice(0, MAX_MESSAGE_LENGTH)}…`;
    if (pathPrefix) issue.path = pathPrefix + (issue.path === '/' ? '' : (issue.path ?? ''));
    return issue;
  }
  return {
    code: 'MALFORMED' as const,
    message: `input could not be processed: ${describeError(e)}`,
    ...(pathPrefix ? { path: pathPrefix } : {}),
  };
}

/** What an exception says, without letting a hostile one (null, a throwing getter or toString) escape. */
export function describeError(e: unknown): string {
  try {
    return String((e as Error)?.message ?? e).slice(0, MAX_MESSAGE_LENGTH);
  } catch {
    return 'an exception that cannot be described';
  }
}
