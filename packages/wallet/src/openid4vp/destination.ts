import { TradewindError } from '@tradewind/core';

/**
 * Whether a URL hostname (as the WHATWG parser normalises it) is this machine: `localhost`,
 * 127.0.0.0/8 or `[::1]`. Names under `.localhost` are not: whether they resolve to this
 * machine depends on the system's resolver, and an http answer must not leave it.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host === '[::1]') return true;
  return /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The URL a verifier's request names for the wallet to talk to (`response_uri`,
 * `request_uri`), checked: an absolute https URL, or http on a loopback host (a verifier
 * on the same machine), or any http URL with `allowInsecureHttp`. No credentials in it,
 * no fragment. `MALFORMED` otherwise, naming `what`.
 */
export function checkVerifierUrl(value: unknown, what: string, allowInsecureHttp: boolean): URL {
  if (typeof value !== 'string' || value.length === 0) throw new TradewindError('MALFORMED', `the request has no ${what}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TradewindError('MALFORMED', `the request's ${what} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TradewindError('MALFORMED', `the request's ${what} is ${url.protocol}, not https`);
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname))
    throw new TradewindError(
      'MALFORMED',
      `the request's ${what} is http:// on ${url.host}: only https is used, or http on 127.0.0.1 or localhost (allowInsecureHttp is for tests)`,
    );
  if (url.username !== '' || url.password !== '') throw new TradewindError('MALFORMED', `the request's ${what} carries credentials`);
  if (url.hash !== '') throw new TradewindError('MALFORMED', `the request's ${what} has a fragment`);
  return url;
}
