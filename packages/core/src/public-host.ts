// Which URLs Tradewind lets a caller's fetcher see. A credential names URLs (did:web
// documents, status lists) and a verifier that fetches them must not be steered to its
// own loopback, cloud metadata or intranet addresses. Hosts are judged after the WHATWG
// URL parser has canonicalised them, so every spelling of an address (127.1, 0x7f.1,
// 2130706433, LOCALHOST., [::ffff:127.0.0.1], percent-encoded names) is judged as
// the address a fetch would reach. Names are not resolved: a public name that resolves
// to a private address is the fetcher's to refuse (check the connected address).
import { type ErrorCode, TradewindError } from './errors.js';

/** Why a host (name or IP literal, optional port) is not public, or undefined for one a fetch may go to. */
export function hostProblem(host: string): string | undefined {
  // Tab and newline would be dropped by the URL parser, '@' would make the rest a host.
  if (host.length === 0 || host.length > 260 || /[\0-\x20\x7f/\\?#@]/.test(host)) return 'is not a host name';
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return 'is not a host name';
  }
  if (url.pathname !== '/' || url.username || url.password) return 'is not a host name';
  return hostnameProblem(url.hostname);
}

function hostnameProblem(canonical: string): string | undefined {
  if (canonical.startsWith('[')) return ipv6Problem(canonical.slice(1, -1));
  if (/^\d+\.\d+\.\d+\.\d+$/.test(canonical)) return ipv4Problem(canonical.split('.').map(Number));
  const name = canonical.replace(/\.+$/, '');
  if (!name.includes('.')) return 'is a single-label name (localhost, an intranet host)';
  const tld = name.slice(name.lastIndexOf('.') + 1);
  if (SPECIAL_USE_TLDS.has(tld) || name.endsWith('.home.arpa')) return `is a special-use name (.${tld})`;
  return undefined;
}

// Names that never reach the public internet (RFC 6761, 6762, 8375; ICANN's .internal).
const SPECIAL_USE_TLDS = new Set(['localhost', 'local', 'internal', 'localdomain']);

/** IPv4 special-purpose blocks (IANA registry) that are not globally reachable. */
function ipv4Problem([a = 0, b = 0, c = 0]: number[]): string | undefined {
  const private_ =
    a === 0 || // "this network"
    a === 10 ||
    a === 127 || // loopback
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224; // multicast, reserved, broadcast
  return private_ ? 'is a loopback, private or reserved IPv4 address' : undefined;
}

/** IPv6: only global unicast (2000::/3) outside its special blocks; embedded IPv4 judged as IPv4. */
function ipv6Problem(text: string): string | undefined {
  const h = ipv6Hextets(text);
  if (!h) return 'is not an IPv6 address';
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const zeroUpTo = (n: number) => h.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(5) && h[5] === 0xffff) return ipv4Problem(v4(h[6] as number, h[7] as number)); // IPv4-mapped
  if (h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0)) return ipv4Problem(v4(h[6] as number, h[7] as number)); // NAT64
  if (h[0] === 0x2002) return ipv4Problem(v4(h[1] as number, h[2] as number)); // 6to4
  const first = h[0] as number;
  if ((first & 0xe000) !== 0x2000) return 'is a loopback, link-local, unique-local, multicast or reserved IPv6 address';
  if ((first === 0x2001 && (h[1] as number) < 0x200) || (first === 0x2001 && h[1] === 0xdb8) || (first & 0xfff0) === 0x3ff0) {
    return 'is a reserved or documentation IPv6 address';
  }
  return undefined;
}

/** The eight 16-bit pieces of an IPv6 address as the URL parser writes it (hex, '::'). */
function ipv6Hextets(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((p) => (/^[0-9a-f]{1,4}$/.test(p) ? Number.parseInt(p, 16) : Number.NaN)));
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 ? fill < 1 : fill !== 0) || [...head, ...tail].some(Number.isNaN)) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/**
 * True when `host` (a host name or IP literal, optionally with `:port`) is one a fetch
 * may go to: a domain name with at least two labels outside the special-use names
 * (localhost, .local, .internal, .home.arpa, .localdomain), or a globally reachable IP
 * address. False for loopback, private, link-local, carrier-grade NAT, multicast and
 * reserved addresses in every spelling the URL parser accepts, and for anything that
 * is not a host. Names are not resolved.
 *
 * @example
 * ```ts
 * isPublicHost('registry.gov.tt'); // true
 * isPublicHost('localhost.'); // false
 * isPublicHost('0x7f.1'); // false (127.0.0.1)
 * isPublicHost('[::ffff:169.254.169.254]'); // false
 * ```
 */
export function isPublicHost(host: string): boolean {
  return typeof host === 'string' && hostProblem(host) === undefined;
}

export interface FetchUrlOptions {
  /** Allow http:// and hosts that are not public (tests, closed networks). Default false. */
  allowInsecure?: boolean;
  /** Code of the error thrown for a refused URL. Default `MALFORMED`. */
  code?: ErrorCode;
}

/**
 * Checks a URL taken from untrusted input before it is handed to a fetcher, and returns
 * it parsed. Refuses (throws `TradewindError` with `options.code`) anything but https
 * (http too with `allowInsecure`), user info, a host that is not {@link isPublicHost}
 * (unless `allowInsecure`), `.` or `..` path segments in any encoding (`%2e`, `%252e`)
 * — the URL parser would resolve them and change which resource is asked for —
 * encoded slashes and backslashes in the path, backslashes, whitespace and control
 * characters.
 *
 * @example
 * ```ts
 * const url = checkFetchUrl(entry.statusListCredential, { code: 'STATUS_UNAVAILABLE' });
 * const list = await provider.get(url.href);
 * ```
 */
export function checkFetchUrl(url: string, options: FetchUrlOptions = {}): URL {
  const refuse = (why: string): never => {
    throw new TradewindError(options.code ?? 'MALFORMED', `URL ${JSON.stringify(url.slice(0, 200))} ${why}`);
  };
  if (typeof url !== 'string' || url.length > 4096) return refuse('is not a URL of at most 4096 characters');
  if (/[\0-\x20\x7f\\]/.test(url)) return refuse('contains whitespace, control characters or a backslash');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'https' && !(scheme === 'http' && options.allowInsecure)) {
    return refuse(options.allowInsecure ? 'is not http(s)' : 'is not https');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not a URL');
  }
  const afterScheme = url.slice((scheme as string).length + 3);
  // Any '@' in the authority, even with empty user info (`https://@host/`): a fetcher
  // that parses URLs another way may read the host differently.
  if (parsed.username || parsed.password || /^[^/?#]*@/.test(afterScheme)) refuse('carries user credentials');
  const rawPath = afterScheme.replace(/^[^/?#]*/, '').replace(/[?#].*$/s, '');
  const segments = rawPath.split('/');
  if (segments.some(isDotSegment)) refuse('has a "." or ".." path segment');
  // What cannot be decoded cannot be judged: servers that read overlong UTF-8 (%c0%ae)
  // or IIS's %u002e as "." would resolve a dot segment this check never saw.
  if (segments.some(hasInvalidEscape)) refuse('has an invalid percent-encoding in its path (such as %c0%ae or %u002e)');
  // An encoded slash or backslash is a dot segment in waiting for a server that decodes it.
  if (/%(25)*(2f|5c)/i.test(rawPath)) refuse('has an encoded "/" or "\\" in its path');
  if (!options.allowInsecure) {
    const problem = hostProblem(parsed.host);
    if (problem) refuse(`goes to ${parsed.hostname}, which ${problem}`);
  }
  return parsed;
}

/** True when decoding a path segment (as a server may, up to four times) meets an invalid %-escape or invalid UTF-8. */
function hasInvalidEscape(segment: string): boolean {
  let s = segment;
  for (let i = 0; i < 4 && s.includes('%'); i++) {
    try {
      s = decodeURIComponent(s);
    } catch {
      return true;
    }
  }
  return false;
}

/** `.` or `..`, percent-encoded any number of times (a server may decode more than once). */
export function isDotSegment(segment: string): boolean {
  let s = segment;
  for (let i = 0; i < 4 && s.includes('%'); i++) {
    try {
      s = decodeURIComponent(s);
    } catch {
      return false;
    }
  }
  return s === '.' || s === '..';
}
