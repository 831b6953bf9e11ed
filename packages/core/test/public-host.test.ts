import { describe, expect, it } from 'vitest';
import { checkFetchUrl, DidKeyResolver, didWebUrl, isLoopbackOrPrivate, isPublicHost } from '../src/index.js';

// Every spelling the WHATWG URL parser (and so fetch) accepts for an address that is not public.
const NOT_PUBLIC = [
  'localhost',
  'localhost.',
  'localhost..',
  'LOCALHOST',
  'LocalHost.',
  'api.localhost',
  'api.localhost.',
  'l%6fcalhost',
  '127.0.0.1',
  '127.0.0.1.',
  '127.1',
  '127.0.1',
  '0x7f.1',
  '0x7f000001',
  '2130706433',
  '017700000001',
  '0177.0.0.1',
  '0',
  '0.0.0.0',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '198.18.0.1',
  '224.0.0.1',
  '255.255.255.255',
  '[::1]',
  '[::]',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '[::ffff:169.254.169.254]',
  '[::ffff:10.0.0.1]',
  '[64:ff9b::127.0.0.1]',
  '[2002:7f00:1::]',
  '[fe80::1]',
  '[fc00::1]',
  '[fd12:3456::1]',
  '[ff02::1]',
  '[2001:db8::1]',
  '[::127.0.0.1]',
  'intranet',
  'printer.local',
  'metadata.google.internal',
  'router.home.arpa',
  'box.localdomain',
  'localhost:8080',
  '127.0.0.1:443',
  '',
  'a b',
  'evil.example@127.0.0.1',
  'registry.gov.tt/x',
  'registry.gov.tt\\x',
];
const PUBLIC = [
  'registry.gov.tt',
  'REGISTRY.GOV.TT.',
  'id.gov.bb:8443',
  '8.8.8.8',
  '[2606:4700:4700::1111]',
  '[::ffff:8.8.8.8]',
  'xn--mnchen-3ya.de',
];

describe('isPublicHost', () => {
  it('refuses loopback, private, link-local and special-use hosts in every spelling', () => {
    for (const host of NOT_PUBLIC) {
      expect(isPublicHost(host), host).toBe(false);
      expect(isLoopbackOrPrivate(host), host).toBe(true);
    }
  });

  it('accepts public names and addresses', () => {
    for (const host of PUBLIC) expect(isPublicHost(host), host).toBe(true);
  });
});

describe('did:web URL filter', () => {
  it('refuses did:web hosts that are not public, however they are spelled (DID_UNRESOLVABLE)', () => {
    for (const host of NOT_PUBLIC) {
      if (host === '') continue;
      const did = `did:web:${encodeURIComponent(host)}`;
      expect(() => didWebUrl(did), did).toThrow(expect.objectContaining({ code: 'DID_UNRESOLVABLE' }));
    }
    for (const did of [
      'did:web:localhost.',
      'did:web:localhost%2e',
      'did:web:LOCALHOST',
      'did:web:127.1',
      'did:web:0x7f.1',
      'did:web:%5B%3A%3A1%5D',
    ]) {
      expect(() => didWebUrl(did), did).toThrow(expect.objectContaining({ code: 'DID_UNRESOLVABLE' }));
    }
  });

  it('refuses "." and ".." path segments, also percent-encoded, and segments that are not names', () => {
    for (const did of [
      'did:web:registry.gov.tt:admin:..:users:x',
      'did:web:registry.gov.tt:.:x',
      'did:web:registry.gov.tt:%2e%2e:users',
      'did:web:registry.gov.tt:%2E%2E:users',
      'did:web:registry.gov.tt:%2e:users',
      'did:web:registry.gov.tt:%252e%252e:users',
      'did:web:registry.gov.tt:a%2f..%2fb',
      'did:web:registry.gov.tt:a%5cb',
      'did:web:registry.gov.tt:a%3fb',
      'did:web:registry.gov.tt::x',
      'did:web:registry.gov.tt:x:',
      'did:web:registry.gov.tt%2fadmin',
      'did:web:registry.gov.tt%40evil.example',
      'did:web:registry.gov.tt:%zz',
      'did:web:',
      'did:web:registry.gov.tt/x',
    ]) {
      expect(() => didWebUrl(did), did).toThrow(expect.objectContaining({ code: 'DID_UNRESOLVABLE' }));
    }
  });

  it('still maps well-formed DIDs, and allows loopback over http only when asked', () => {
    expect(didWebUrl('did:web:registry.gov.tt').href).toBe('https://registry.gov.tt/.well-known/did.json');
    expect(didWebUrl('did:web:Registry.Gov.TT:issuers:nid').href).toBe('https://registry.gov.tt/issuers/nid/did.json');
    expect(didWebUrl('did:web:example.com%3A8443:a.b:c_d').href).toBe('https://example.com:8443/a.b/c_d/did.json');
    expect(didWebUrl('did:web:localhost.%3A8080', true).href).toBe('http://localhost.:8080/.well-known/did.json');
  });

  it('never asks the fetcher for a refused DID', async () => {
    const asked: string[] = [];
    const dids = new DidKeyResolver({ didWebFetcher: async (url) => asked.push(url) });
    for (const did of ['did:web:localhost.', 'did:web:127.1', 'did:web:registry.gov.tt:admin:..:users:x']) {
      await expect(dids.resolve(did)).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    }
    expect(asked).toEqual([]);
  });
});

describe('checkFetchUrl', () => {
  it('returns public https URLs', () => {
    expect(checkFetchUrl('https://registry.gov.tt/status/1').href).toBe('https://registry.gov.tt/status/1');
    expect(checkFetchUrl('https://registry.gov.tt/status/1?x=..#frag').pathname).toBe('/status/1');
  });

  it('refuses other schemes, user info, hosts that are not public, dot segments and odd characters', () => {
    for (const url of [
      'http://registry.gov.tt/status/1',
      'ftp://registry.gov.tt/status/1',
      'file:///etc/passwd',
      'data:text/plain,x',
      'https://user:pw@registry.gov.tt/s',
      'https://localhost./s',
      'https://127.1/s',
      'https://[::ffff:127.0.0.1]/s',
      'https://169.254.169.254/latest/meta-data',
      'https://registry.gov.tt/a/../admin',
      'https://registry.gov.tt/a/%2e%2e/admin',
      'https://registry.gov.tt/a/%2E./admin',
      'https://registry.gov.tt/./s',
      'https://registry.gov.tt/a/..%2fadmin',
      'https://registry.gov.tt/a/%252F..%252Fadmin',
      'https://registry.gov.tt/a/..%5cadmin',
      'https://registry.gov.tt\\@evil.example/s',
      'https://registry.gov.tt/s\t1',
      ' https://registry.gov.tt/s',
      'not a url',
    ]) {
      expect(() => checkFetchUrl(url), url).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
    expect(() => checkFetchUrl('https://localhost/s', { code: 'STATUS_UNAVAILABLE' })).toThrow(
      expect.objectContaining({ code: 'STATUS_UNAVAILABLE' }),
    );
  });

  it('refuses a path it cannot decode, which a server might read as a dot segment (%c0%ae, %u002e)', () => {
    for (const url of [
      'https://registry.gov.tt/a/%c0%ae%c0%ae/admin',
      'https://registry.gov.tt/a/%C0%AE./admin',
      'https://registry.gov.tt/a/%u002e%u002e/admin',
      'https://registry.gov.tt/a/%25c0%25ae%25c0%25ae/admin',
      'https://registry.gov.tt/a/%e0%80%ae/admin',
      'https://registry.gov.tt/a/%zz/s',
      'https://registry.gov.tt/a/%/s',
    ]) {
      expect(() => checkFetchUrl(url), url).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
      expect(() => checkFetchUrl(url.replace('https://registry.gov.tt', 'http://127.0.0.1'), { allowInsecure: true }), url).toThrow();
    }
    expect(checkFetchUrl('https://registry.gov.tt/lists/%C3%A9t%C3%A9%20/1').pathname).toBe('/lists/%C3%A9t%C3%A9%20/1');
  });

  it('lets http and private hosts through with allowInsecure, but never dot segments', () => {
    expect(checkFetchUrl('http://127.0.0.1:8080/s', { allowInsecure: true }).host).toBe('127.0.0.1:8080');
    expect(() => checkFetchUrl('http://127.0.0.1/a/../b', { allowInsecure: true })).toThrow();
  });
});

describe('status and document URLs with an empty user info', () => {
  it('refuses any "@" in the authority, even with nothing before it (a fetcher may parse the host another way)', () => {
    for (const url of ['https://@registry.gov.tt/s', 'https://:@registry.gov.tt/s', 'https://@@registry.gov.tt/s']) {
      expect(() => checkFetchUrl(url), url).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
    // An '@' in the path or query is not user info.
    expect(checkFetchUrl('https://registry.gov.tt/lists/@tt?by=a@b').host).toBe('registry.gov.tt');
  });
});
