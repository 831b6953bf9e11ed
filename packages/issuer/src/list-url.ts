// Percent-encoded characters a server decodes before it resolves a path (RFC 3986 §2.3 unreserved).
const UNRESERVED = /%(2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aA]|5[fF]|6[1-9a-fA-F]|7[0-9aA]|7[eE])/g;

/**
 * An http(s) URL as the server that publishes the status lists would resolve it: scheme
 * (http and https alike) and host in lower case, no user, no default port, no trailing
 * dot on the host, percent-encoded unreserved characters decoded, `.` and `..` segments
 * resolved, repeated and trailing slashes, query and fragment dropped. Other URLs and
 * non-URLs: undefined. Two spellings of one list compare equal.
 */
export function canonicalListUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    // Decoding can reveal dot segments (%2e%2e): resolve them on a second parse.
    parsed = new URL(`${parsed.protocol}//${parsed.host}${parsed.pathname.replace(UNRESERVED, (m) => decodeURIComponent(m))}`);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.replace(/\.+$/, '');
  const port = parsed.port === '' || parsed.port === '80' || parsed.port === '443' ? '' : `:${parsed.port}`;
  const path = parsed.pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return `https://${host}${port}${path}`;
}
