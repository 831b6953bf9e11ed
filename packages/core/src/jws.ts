import { base64urlDecode, utf8Decode, utf8Encode } from './base64url.js';
import { TradewindError } from './errors.js';
import { isJsonObject, type JsonObject } from './types.js';

/** A compact JWS split into its parts, nothing verified yet. */
export interface ParsedJws {
  header: JsonObject;
  payload: JsonObject;
  /** ASCII bytes of `header.payload`, what the signature covers. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

export interface JwsLimits {
  /** Largest accepted token, in characters. */
  maxLength: number;
  /** Deepest accepted JSON nesting in header or payload. */
  maxDepth: number;
}

export const DEFAULT_JWS_LIMITS: JwsLimits = { maxLength: 256 * 1024, maxDepth: 32 };

/** True when a string looks like a compact JWS (three base64url segments), without parsing it. */
export function looksLikeCompactJws(input: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(input);
}

/**
 * Splits and decodes a compact JWS (RFC 7515 §7.1). Throws `TradewindError` with
 * `LIMIT_EXCEEDED` or `MALFORMED`; verifies nothing.
 */
export function parseCompactJws(token: string, limits: JwsLimits = DEFAULT_JWS_LIMITS): ParsedJws {
  if (token.length > limits.maxLength) {
    throw new TradewindError('LIMIT_EXCEEDED', `input is ${token.length} characters, over the limit of ${limits.maxLength}`);
  }
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
    throw new TradewindError('MALFORMED', 'a compact JWS has exactly three dot-separated segments');
  }
  const header = decodeJsonSegment(token.slice(0, first), 'header', limits.maxDepth, true);
  const payload = decodeJsonSegment(token.slice(first + 1, second), 'payload', limits.maxDepth);
  const signature = base64urlDecode(token.slice(second + 1));
  if (!signature) throw new TradewindError('MALFORMED', 'signature is not canonical unpadded base64url', { path: '/signature' });
  return { header, payload, signingInput: utf8Encode(token.slice(0, second)), signature };
}

function decodeJsonSegment(segment: string, name: string, maxDepth: number, unique = false): JsonObject {
  const bytes = base64urlDecode(segment);
  if (!bytes) throw new TradewindError('MALFORMED', `${name} is not canonical unpadded base64url`, { path: `/${name}` });
  const text = utf8Decode(bytes);
  if (text === undefined) throw new TradewindError('MALFORMED', `${name} is not UTF-8`, { path: `/${name}` });
  const scan = scanJson(text);
  if (scan.depth > maxDepth) {
    throw new TradewindError('LIMIT_EXCEEDED', `${name} nests deeper than ${maxDepth} levels`, { path: `/${name}` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TradewindError('MALFORMED', `${name} is not JSON`, { path: `/${name}` });
  }
  if (!isJsonObject(value)) throw new TradewindError('MALFORMED', `${name} is not a JSON object`, { path: `/${name}` });
  // RFC 7515 §5.2 lets a parser keep the last of duplicate header members or reject
  // them. Keeping one means another reader may keep the other ({"alg":"none",…,"alg":
  // "EdDSA"}), so the header, which is small, is refused instead.
  if (unique && scan.topLevelMembers !== Object.keys(value).length) {
    throw new TradewindError('MALFORMED', `${name} has a member more than once`, { path: `/${name}` });
  }
  // JSON.parse makes a "__proto__" member an own property; code that later copies the
  // credential with Object.assign or a deep merge would take a prototype from it. Only a
  // text that spells the name (or escapes anything) is walked.
  if ((text.includes('__proto__') || text.includes('\\u')) && protoMemberPath(value) !== undefined) {
    throw new TradewindError('MALFORMED', `${name} has a member named __proto__`, { path: `/${name}${protoMemberPath(value)}` });
  }
  return value;
}

/** The JSON Pointer of the first member named `__proto__`, if any (depth is already bounded). */
function protoMemberPath(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = protoMemberPath(value[i]);
      if (inner !== undefined) return `/${i}${inner}`;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return '/__proto__';
      const inner = protoMemberPath((value as Record<string, unknown>)[key]);
      if (inner !== undefined) return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}${inner}`;
    }
  }
  return undefined;
}

/**
 * One pass over a JSON text, ignoring brackets and colons inside strings: the maximum
 * bracket nesting, and how many members the top-level object has, duplicates included.
 */
function scanJson(text: string): { depth: number; topLevelMembers: number } {
  let depth = 0;
  let max = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* { [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93 /* } ] */) depth--;
    // A colon directly inside the top-level object ends a member name.
    else if (c === 58 /* : */ && depth === 1) members++;
  }
  return { depth: max, topLevelMembers: members };
}

/**
 * Maximum bracket nesting of a JSON text, ignoring brackets inside strings. Checked
 * before JSON.parse so that a deeply nested input cannot exhaust the stack later.
 */
export function nestingDepth(text: string): number {
  return scanJson(text).depth;
}
