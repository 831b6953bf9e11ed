// Hostile SD-JWT VCs against the built @tradewind/verifier: each signed by hand with a
// did:key issuer so that the attacker controls every byte the issuer would sign, and each
// checked against a control (the same SD-JWT without the trick verifies), so that no test
// passes because everything fails. Every refusal is a typed code, never a throw.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import {
  createVerifier as nodeVerifier,
  type VerifiedSdJwtCredential,
  type VerifiedSdJwtPresentation,
  type VerifyOptions,
} from '@tradewind/verifier';
import { beforeAll, describe, expect, it } from 'vitest';
// The browser build (WebCrypto, asynchronous digests) runs the same attacks as the Node one.
import { createVerifier as browserVerifier } from '../../packages/verifier/dist/bundle/index.browser.js';
import {
  b64json,
  codes,
  didKeyFor,
  disclosure,
  keyBindingJwt,
  publicJwk,
  sha256,
  signJws,
  type TestKey,
  unb64json,
  withoutKb,
} from './helpers.js';

const NONCE = 'adv-nonce-71c2';
const AUDIENCE = 'https://verifier.example.lc';
const now = () => Math.floor(Date.now() / 1000);

const issuer: TestKey = didKeyFor('EdDSA');
const holder: TestKey = didKeyFor('EdDSA');
const stranger: TestKey = didKeyFor('ES256');

const given = disclosure('c2FsdC1naXZlbg', 'given_name', 'Asha');
const nationality = disclosure('c2FsdC1uYXQ', 'nationality', 'TT');

interface Made {
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  /** Digests the issuer signs in the top-level `_sd` (default: those of `disclosures`). */
  sd?: unknown;
  /** Disclosures appended after the issuer JWT (default: `disclosures`). */
  disclosures?: string[];
  signer?: TestKey;
}

/** An SD-JWT (no key binding) the issuer signs by hand. */
async function make(made: Made = {}): Promise<string> {
  const disclosures = made.disclosures ?? [given, nationality];
  const signer = made.signer ?? issuer;
  const payload = {
    iss: signer.did,
    iat: now() - 60,
    vct: 'NationalIdCredential',
    cnf: { jwk: publicJwk(holder) },
    _sd_alg: 'sha-256',
    _sd: made.sd ?? disclosures.map(sha256),
    ...made.payload,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete (payload as Record<string, unknown>)[k];
  const jwt = await signJws(signer.alg, signer.privateKey, { alg: signer.alg, typ: 'dc+sd-jwt', kid: signer.kid, ...made.header }, payload);
  return `${jwt}~${disclosures.map((d) => `${d}~`).join('')}`;
}

/** `sdJwt` (ending with `~`) with a key-binding JWT over it. */
async function bind(
  sdJwt: string,
  kb: { nonce?: string; aud?: string; iat?: number; signer?: TestKey; header?: Record<string, unknown>; over?: string } = {},
): Promise<string> {
  const signer = kb.signer ?? holder;
  return `${sdJwt}${await keyBindingJwt(
    signer,
    kb.over ?? sdJwt,
    { nonce: kb.nonce ?? NONCE, aud: kb.aud ?? AUDIENCE, ...(kb.iat === undefined ? {} : { iat: kb.iat }) },
    kb.header,
  )}`;
}

const BUILDS: Array<[string, typeof nodeVerifier]> = [
  ['node', nodeVerifier],
  ['browser', browserVerifier as typeof nodeVerifier],
];

describe.each(BUILDS)('%s build', (_build, createVerifier) => {
  const verifier = (options: VerifyOptions = {}) => createVerifier(options);
  const present = async (text: string, options: VerifyOptions = {}) =>
    codes(await verifier(options).verifyPresentation(text, { nonce: NONCE, audience: AUDIENCE }));
  const credential = async (text: string, options: VerifyOptions = {}) => codes(await verifier(options).verifyCredential(text));

  describe('control', () => {
    it('the hand-made SD-JWT verifies as a credential and as a presentation, showing only what is disclosed', async () => {
      const sdJwt = await make();
      expect(await credential(sdJwt)).toEqual([]);
      const only = await make({ disclosures: [nationality], sd: [sha256(given), sha256(nationality)] });
      const r = (await verifier().verifyPresentation(await bind(only), { nonce: NONCE, audience: AUDIENCE })) as VerifiedSdJwtPresentation;
      expect(codes(r)).toEqual([]);
      expect(r.credentials[0].claims.nationality).toBe('TT');
      expect(r.credentials[0].claims.given_name).toBeUndefined();
      expect(r.credentials[0].undisclosed).toBe(1);
    });
  });

  describe('disclosure tricks', () => {
    it('the same disclosure twice: DISCLOSURE_INVALID', async () => {
      const sdJwt = await make({ disclosures: [given, given, nationality], sd: [sha256(given), sha256(nationality)] });
      expect(await credential(sdJwt)).toEqual(['DISCLOSURE_INVALID']);
      expect(await present(await bind(sdJwt))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('the digest twice in _sd, disclosed or withheld: DISCLOSURE_INVALID', async () => {
      expect(await credential(await make({ sd: [sha256(given), sha256(given), sha256(nationality)] }))).toEqual(['DISCLOSURE_INVALID']);
      expect(await credential(await make({ disclosures: [nationality], sd: [sha256(given), sha256(given), sha256(nationality)] }))).toEqual(
        ['DISCLOSURE_INVALID'],
      );
    });

    it('one digest both in _sd and as an array element: DISCLOSURE_INVALID', async () => {
      const element = disclosure('c2FsdC1lbA', 'TT');
      const sdJwt = await make({
        disclosures: [element],
        sd: [sha256(element)],
        payload: { nationalities: [{ '...': sha256(element) }] },
      });
      expect(await credential(sdJwt)).toEqual(['DISCLOSURE_INVALID']);
    });

    it('an array-element disclosure in _sd, or a named one in an array: DISCLOSURE_INVALID', async () => {
      const element = disclosure('c2FsdC1lbA', 'TT');
      expect(await credential(await make({ disclosures: [element], sd: [sha256(element)] }))).toEqual(['DISCLOSURE_INVALID']);
      expect(
        await credential(await make({ disclosures: [given], sd: [], payload: { nationalities: [{ '...': sha256(given) }] } })),
      ).toEqual(['DISCLOSURE_INVALID']);
      // An array digest object with a second member.
      expect(
        await credential(await make({ disclosures: [element], sd: [], payload: { nationalities: [{ '...': sha256(element), x: 1 }] } })),
      ).toEqual(['DISCLOSURE_INVALID']);
    });

    it('a nested disclosure whose name collides with a plain member of the same object: DISCLOSURE_INVALID', async () => {
      const locality = disclosure('c2FsdC1sb2M', 'locality', 'Castries');
      const plain = { locality: 'Port of Spain', _sd: [sha256(locality)] };
      expect(await credential(await make({ disclosures: [locality], sd: [], payload: { address: plain } }))).toEqual([
        'DISCLOSURE_INVALID',
      ]);
      // Control: the same disclosure under an address without that plain member.
      const r = (await verifier().verifyCredential(
        await make({ disclosures: [locality], sd: [], payload: { address: { country: 'LC', _sd: [sha256(locality)] } } }),
      )) as VerifiedSdJwtCredential;
      expect(codes(r)).toEqual([]);
      expect(r.claims.address).toEqual({ country: 'LC', locality: 'Castries' });
      expect(r.disclosed).toEqual([{ path: '/address/locality', name: 'locality', value: 'Castries' }]);
    });

    it('a top-level disclosure whose name collides with a plain claim: DISCLOSURE_INVALID', async () => {
      const evil = disclosure('c2FsdC1ldmls', 'given_name', 'Mallory');
      expect(await credential(await make({ disclosures: [evil], payload: { given_name: 'Asha' } }))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('disclosures naming _sd, ..., __proto__, constructor: DISCLOSURE_INVALID, nested too', async () => {
      for (const name of ['_sd', '...', '__proto__', 'constructor', 'prototype']) {
        const evil = disclosure('c2FsdC1ldmls', name, name === '_sd' ? [] : { polluted: true });
        expect(await credential(await make({ disclosures: [evil] })), name).toEqual(['DISCLOSURE_INVALID']);
        expect(await credential(await make({ disclosures: [evil], sd: [], payload: { address: { _sd: [sha256(evil)] } } })), name).toEqual([
          'DISCLOSURE_INVALID',
        ]);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a disclosed value carrying a __proto__ member is read as data, not as a prototype', async () => {
      const value = JSON.parse('{"__proto__": {"polluted": true}, "street": "1 Main"}');
      const d = b64json(['c2FsdC1w', 'address', value]);
      const r = await verifier().verifyCredential(await make({ disclosures: [d] }));
      // Either refused or read without touching a prototype; never a pollution.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      if (r.verified) expect(Object.getPrototypeOf(r.claims.address)).not.toEqual({ polluted: true });
      else expect(codes(r)).toEqual(['DISCLOSURE_INVALID']);
    });

    it('non-canonical base64url of a disclosure the issuer did sign as such: DISCLOSURE_INVALID', async () => {
      const canonical = given;
      const padded = `${canonical}${'='.repeat((4 - (canonical.length % 4)) % 4) || '=='}`;
      const standard = Buffer.from(Buffer.from(canonical, 'base64url')).toString('base64'); // + / and padding
      for (const text of [padded, standard]) {
        if (text === canonical) continue;
        expect(await credential(await make({ disclosures: [text] })), text).toEqual(['DISCLOSURE_INVALID']);
      }
    });

    it('the holder re-encodes a disclosure (whitespace, padding, trailing bits): not referenced, DISCLOSURE_INVALID', async () => {
      const sdJwt = await make({ disclosures: [given], sd: [sha256(given)] });
      const jwt = sdJwt.slice(0, sdJwt.indexOf('~'));
      const spaced = Buffer.from('[ "c2FsdC1naXZlbg", "given_name", "Mallory" ]').toString('base64url');
      const spacedSame = Buffer.from('[ "c2FsdC1naXZlbg" , "given_name" , "Asha" ]').toString('base64url');
      for (const text of [spaced, spacedSame, `${given}=`]) {
        const p = await bind(`${jwt}~${text}~`);
        expect(await present(p), text).toEqual(['DISCLOSURE_INVALID']);
      }
    });

    it('disclosures that are not [salt, name, value] / [salt, value]: DISCLOSURE_INVALID', async () => {
      const bad = [
        b64json([1234, 'given_name', 'Asha']),
        b64json([null, 'given_name', 'Asha']),
        b64json(['salt', 'given_name', 'Asha', 'extra']),
        b64json(['salt']),
        b64json([]),
        b64json({ 0: 'salt', 1: 'given_name', 2: 'Asha' }),
        b64json(['salt', 42, 'Asha']),
        b64json('salt'),
        Buffer.from('not json').toString('base64url'),
        Buffer.from([0xff, 0xfe, 0x00]).toString('base64url'),
      ];
      for (const d of bad) expect(await credential(await make({ disclosures: [d] })), d).toEqual(['DISCLOSURE_INVALID']);
      // An empty disclosure ("~~").
      const sdJwt = await make();
      expect(await credential(sdJwt.replace('~', '~~'))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('_sd that is not an array of strings, and "..." outside an array: DISCLOSURE_INVALID', async () => {
      expect(await credential(await make({ disclosures: [], sd: 'abc' }))).toEqual(['DISCLOSURE_INVALID']);
      expect(await credential(await make({ disclosures: [], sd: [42] }))).toEqual(['DISCLOSURE_INVALID']);
      expect(await credential(await make({ disclosures: [], sd: {} }))).toEqual(['DISCLOSURE_INVALID']);
      expect(await credential(await make({ disclosures: [], payload: { '...': sha256(given) } }))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('a disclosure unreferenced anywhere (from another SD-JWT): DISCLOSURE_INVALID', async () => {
      const foreign = disclosure('c2FsdC1mb3JlaWdu', 'age_over_18', true);
      const sdJwt = await make({ disclosures: [given, foreign], sd: [sha256(given)] });
      expect(await credential(sdJwt)).toEqual(['DISCLOSURE_INVALID']);
      expect(await present(await bind(sdJwt))).toEqual(['DISCLOSURE_INVALID']);
    });

    it('1025 disclosures: LIMIT_EXCEEDED; a disclosure nested 10,000 deep: LIMIT_EXCEEDED; nothing throws', async () => {
      const many = Array.from({ length: 1025 }, (_, i) => disclosure(`s${i}`, `c${i}`, i));
      expect(await credential(await make({ disclosures: many }))).toEqual(['LIMIT_EXCEEDED']);
      const deep = Buffer.from(`["c2FsdA","deep",${'['.repeat(5000)}${']'.repeat(5000)}]`).toString('base64url');
      expect(await credential(await make({ disclosures: [deep] }))).toEqual(['LIMIT_EXCEEDED']);
      // Depth built from nested disclosures, each inside the one before.
      let inner = disclosure('c2FsdA', 'n', 0);
      const chain = [inner];
      for (let i = 0; i < 200; i++) {
        inner = disclosure(`c2FsdA${i}`, 'n', { _sd: [sha256(inner)] });
        chain.push(inner);
      }
      expect(await credential(await make({ disclosures: chain, sd: [sha256(inner)] }))).toEqual(['LIMIT_EXCEEDED']);
    });

    it('registered claims supplied by a disclosure (iss, cnf, vct, status, exp, nbf, _sd_alg, vct#integrity): DISCLOSURE_INVALID', async () => {
      const values: Record<string, unknown> = {
        iss: 'did:example:mallory',
        cnf: { jwk: publicJwk(stranger) },
        vct: 'PassportCredential',
        status: { status_list: { idx: 0, uri: 'https://x.example/1' } },
        exp: now() + 10 ** 6,
        nbf: now() - 10,
        _sd_alg: 'sha-256',
        'vct#integrity': 'sha256-abc',
      };
      for (const [name, value] of Object.entries(values)) {
        const d = disclosure('c2FsdC1yZWc', name, value);
        // Absent in plain text, so only the disclosure could give it (no collision with a plain claim).
        const sdJwt = await make({ disclosures: [d], payload: { [name]: undefined } });
        expect(await credential(sdJwt), name).toEqual(['DISCLOSURE_INVALID']);
      }
    });

    it('_sd_alg other than sha-256/384/512 as IANA names them (SHA-256, md5, none, toString, an array): DISCLOSURE_INVALID', async () => {
      for (const alg of ['SHA-256', 'sha256', 'md5', 'none', 'toString', '__proto__', 'constructor', '', ['sha-256'], 256, null]) {
        expect(await credential(await make({ payload: { _sd_alg: alg } })), JSON.stringify(alg)).toEqual(['DISCLOSURE_INVALID']);
      }
    });

    it('sha-512 digests verify under _sd_alg sha-512, and not under sha-256', async () => {
      const { createHash } = await import('node:crypto');
      const h512 = (d: string) => createHash('sha512').update(d, 'ascii').digest('base64url');
      const sdJwt = await make({ payload: { _sd_alg: 'sha-512' }, sd: [h512(given), h512(nationality)] });
      expect(await credential(sdJwt)).toEqual([]);
      expect(await credential(await make({ payload: { _sd_alg: 'sha-256' }, sd: [h512(given), h512(nationality)] }))).toEqual([
        'DISCLOSURE_INVALID',
      ]);
    });
  });

  describe('key-binding tricks', () => {
    let sdJwt: string;
    beforeAll(async () => {
      sdJwt = await make({ disclosures: [nationality], sd: [sha256(given), sha256(nationality)] });
    });

    it('control: the holder key binding verifies', async () => {
      expect(await present(await bind(sdJwt))).toEqual([]);
    });

    it('sd_hash over another serialization (without the trailing ~, with all disclosures, reordered): HOLDER_BINDING', async () => {
      expect(await present(await bind(sdJwt, { over: sdJwt.slice(0, -1) }))).toEqual(['HOLDER_BINDING']);
      const full = await make();
      const jwt = full.slice(0, full.indexOf('~'));
      // Signed over everything, presented with one disclosure dropped.
      const kb = (await bind(full)).slice(full.length);
      expect(await present(`${jwt}~${given}~${kb}`)).toEqual(['HOLDER_BINDING']);
      // Signed over one order, presented in another.
      const kb2 = (await bind(`${jwt}~${given}~${nationality}~`)).slice(full.length);
      expect(await present(`${jwt}~${nationality}~${given}~${kb2}`)).toEqual(['HOLDER_BINDING']);
      // Control: the reordered form with its own key binding.
      expect(await present(await bind(`${jwt}~${nationality}~${given}~`))).toEqual([]);
    });

    it('the issuer JWT reused as the key-binding JWT: HOLDER_BINDING', async () => {
      const jwt = sdJwt.slice(0, sdJwt.indexOf('~'));
      expect(await present(`${sdJwt}${jwt}`)).toEqual(['HOLDER_BINDING']);
      expect(await credential(`${sdJwt}${jwt}`)).toEqual(['HOLDER_BINDING']);
    });

    it('a key-binding JWT signed with the issuer key, or any key but cnf, even naming its own in the header: HOLDER_BINDING', async () => {
      expect(await present(await bind(sdJwt, { signer: issuer }))).toEqual(['HOLDER_BINDING']);
      for (const header of [{ jwk: publicJwk(stranger) }, { kid: stranger.kid }, { x5c: ['MIIB'] }, {}]) {
        expect(await present(await bind(sdJwt, { signer: stranger, header })), JSON.stringify(header)).toEqual(['HOLDER_BINDING']);
      }
      // verifyCredential checks an attached key binding too.
      expect(await credential(await bind(sdJwt, { signer: stranger }))).toEqual(['HOLDER_BINDING']);
    });

    it('the holder header pointing elsewhere does not matter: the cnf key signs, it verifies', async () => {
      expect(await present(await bind(sdJwt, { header: { jwk: publicJwk(stranger), kid: stranger.kid } }))).toEqual([]);
    });

    it('key-binding alg none, HS256 keyed with the holder public key, RS256: refused', async () => {
      const presented = sdJwt;
      const payload = { iat: now(), nonce: NONCE, aud: AUDIENCE, sd_hash: sha256(presented) };
      const none = `${b64json({ alg: 'none', typ: 'kb+jwt' })}.${b64json(payload)}.`;
      expect(await present(`${presented}${none}`)).toEqual(['UNSUPPORTED_ALGORITHM']);
      const { createHmac } = await import('node:crypto');
      const input = `${b64json({ alg: 'HS256', typ: 'kb+jwt' })}.${b64json(payload)}`;
      const secret = JSON.stringify(publicJwk(holder));
      const hs = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expect(await present(`${presented}${hs}`)).toEqual(['UNSUPPORTED_ALGORITHM']);
      const rs = `${b64json({ alg: 'RS256', typ: 'kb+jwt' })}.${b64json(payload)}.AAAA`;
      expect(await present(`${presented}${rs}`)).toEqual(['UNSUPPORTED_ALGORITHM']);
    });

    it('key-binding iat as a string, negative, 1e30, missing; nonce or aud not strings: HOLDER_BINDING', async () => {
      for (const iat of ['1700000000', -1, 1e30, Number.NaN]) {
        const p = `${sdJwt}${await signJws(holder.alg, holder.privateKey, { alg: holder.alg, typ: 'kb+jwt' }, { iat, nonce: NONCE, aud: AUDIENCE, sd_hash: sha256(sdJwt) })}`;
        expect(await present(p), String(iat)).toEqual(['HOLDER_BINDING']);
      }
      for (const payload of [
        { nonce: NONCE, aud: AUDIENCE, sd_hash: sha256(sdJwt) },
        { iat: now(), nonce: 42, aud: AUDIENCE, sd_hash: sha256(sdJwt) },
        { iat: now(), nonce: NONCE, aud: [AUDIENCE], sd_hash: sha256(sdJwt) },
        { iat: now(), nonce: NONCE, aud: AUDIENCE },
      ]) {
        const p = `${sdJwt}${await signJws(holder.alg, holder.privateKey, { alg: holder.alg, typ: 'kb+jwt' }, payload)}`;
        expect(await present(p), JSON.stringify(payload)).toEqual(['HOLDER_BINDING']);
      }
    });

    it('a nonce or audience that only differs in case or whitespace does not match', async () => {
      expect(await present(await bind(sdJwt, { nonce: NONCE.toUpperCase() }))).toEqual(['NONCE_MISMATCH']);
      expect(await present(await bind(sdJwt, { nonce: `${NONCE} ` }))).toEqual(['NONCE_MISMATCH']);
      expect(await present(await bind(sdJwt, { aud: `${AUDIENCE}/` }))).toEqual(['AUDIENCE_MISMATCH']);
    });

    it('cnf with private key material, of an unsupported curve, of RSA, with jwk and kid, or empty: HOLDER_BINDING', async () => {
      const priv = { ...publicJwk(holder), d: 'AAAA' };
      const cnfs: unknown[] = [
        { jwk: priv },
        { jwk: { kty: 'EC', crv: 'secp256k1', x: 'AAAA', y: 'AAAA' } },
        { jwk: { kty: 'EC', crv: 'P-384', x: 'AAAA', y: 'AAAA' } },
        { jwk: { kty: 'OKP', crv: 'X25519', x: publicJwk(holder).x } },
        { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } },
        { jwk: { kty: 'oct', k: 'c2VjcmV0' } },
        { jwk: publicJwk(holder), kid: holder.kid },
        {},
        'did:key:z6Mk',
        { kid: 'not a did' },
      ];
      for (const cnf of cnfs) {
        const s = await make({ disclosures: [nationality], sd: [sha256(nationality)], payload: { cnf } });
        expect(await present(await bind(s)), JSON.stringify(cnf)).toEqual(['HOLDER_BINDING']);
      }
    });

    it('no cnf: a presentation is HOLDER_BINDING; a presentation with no key-binding JWT is HOLDER_BINDING', async () => {
      const s = await make({ payload: { cnf: undefined } });
      expect(await credential(s)).toEqual([]);
      expect(await present(await bind(s))).toEqual(['HOLDER_BINDING']);
      expect(await present(sdJwt)).toEqual(['HOLDER_BINDING']);
    });

    it('cnf.kid a did:web: HOLDER_BINDING and nothing is fetched', async () => {
      let hits = 0;
      const server: Server = createServer((_req, res) => {
        hits++;
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const kid = `did:web:127.0.0.1%3A${port}#key-1`;
        const s = await make({ disclosures: [nationality], sd: [sha256(nationality)], payload: { cnf: { kid } } });
        expect(await present(await bind(s))).not.toEqual([]);
        expect((await verifier().verifyPresentation(await bind(s), { nonce: NONCE, audience: AUDIENCE })).verified).toBe(false);
        // The issuer's kid a did:web on the same server: refused too, nothing fetched.
        const webIssued = await make({ payload: { iss: `did:web:127.0.0.1%3A${port}` }, header: { kid: `did:web:127.0.0.1%3A${port}#k` } });
        expect((await verifier().verifyCredential(webIssued)).verified).toBe(false);
        expect(hits).toBe(0);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe('signature malleability and curves', () => {
    const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    /** The other valid ECDSA signature of the same message: s replaced by n - s (high S). */
    const highS = (jws: string) => {
      const [h, p, sig] = jws.split('.') as [string, string, string];
      const bytes = Buffer.from(sig, 'base64url');
      const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
      const twin = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
      return `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), twin]).toString('base64url')}`;
    };
    /** An Ed25519 signature with S + L (non-canonical, accepted by lax libraries). */
    const bigS = (jws: string) => {
      const [h, p, sig] = jws.split('.') as [string, string, string];
      const bytes = Buffer.from(sig, 'base64url');
      let s = 0n;
      for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(bytes[32 + i] as number);
      s += L;
      const out = Buffer.from(bytes);
      for (let i = 0; i < 32; i++) {
        out[32 + i] = Number(s & 0xffn);
        s >>= 8n;
      }
      return `${h}.${p}.${out.toString('base64url')}`;
    };

    it('an ES256 issuer signature in its high-S twin, an Ed25519 one with S + L: refused', async () => {
      const es = didKeyFor('ES256');
      const sdJwt = await make({ signer: es });
      expect(await credential(sdJwt)).toEqual([]);
      const jwt = sdJwt.slice(0, sdJwt.indexOf('~'));
      expect(await credential(sdJwt.replace(jwt, highS(jwt)))).not.toEqual([]);
      const ed = await make();
      const edJwt = ed.slice(0, ed.indexOf('~'));
      expect(await credential(ed.replace(edJwt, bigS(edJwt)))).not.toEqual([]);
    });

    it('a key-binding JWT in its high-S twin, or with S + L: HOLDER_BINDING', async () => {
      const esHolder = didKeyFor('ES256');
      const s = await make({ disclosures: [nationality], payload: { cnf: { jwk: publicJwk(esHolder) } } });
      const good = await bind(s, { signer: esHolder });
      expect(await present(good)).toEqual([]);
      expect(await present(`${s}${highS(good.slice(s.length))}`)).toEqual(['HOLDER_BINDING']);
      const ed = await make({ disclosures: [nationality] });
      const edGood = await bind(ed);
      expect(await present(edGood)).toEqual([]);
      expect(await present(`${ed}${bigS(edGood.slice(ed.length))}`)).toEqual(['HOLDER_BINDING']);
    });

    it('a key-binding JWT whose alg does not suit the cnf key (EdDSA header over a P-256 cnf): HOLDER_BINDING', async () => {
      const esHolder = didKeyFor('ES256');
      const s = await make({ disclosures: [nationality], payload: { cnf: { jwk: publicJwk(esHolder) } } });
      expect(await present(await bind(s, { signer: holder }))).toEqual(['HOLDER_BINDING']);
      const kb = await bind(s, { signer: esHolder });
      const [h, p, sig] = kb.slice(s.length).split('.') as [string, string, string];
      const relabelled = `${b64json({ ...unb64json(h), alg: 'EdDSA' })}.${p}.${sig}`;
      expect(await present(`${s}${relabelled}`)).toEqual(['HOLDER_BINDING']);
    });
  });

  describe('claims and dates', () => {
    it('iat, nbf, exp as strings, negative, 1e30 or NaN: MALFORMED', async () => {
      for (const name of ['iat', 'nbf', 'exp']) {
        for (const value of ['1700000000', -5, 1e30, null, true]) {
          expect(await credential(await make({ payload: { [name]: value } })), `${name}=${JSON.stringify(value)}`).toEqual(['MALFORMED']);
        }
      }
    });

    it('expired, not yet valid, issued in the future: refused', async () => {
      expect(await credential(await make({ payload: { exp: now() - 3600 } }))).toEqual(['EXPIRED']);
      expect(await credential(await make({ payload: { nbf: now() + 3600 } }))).toEqual(['NOT_YET_VALID']);
      expect(await credential(await make({ payload: { iat: now() + 3600 } }))).not.toEqual([]);
    });

    it('iss not a DID or https URL, vct missing or not a string, sub not a string: MALFORMED', async () => {
      for (const payload of [
        { iss: 'http://a.example' },
        { iss: 42 },
        { iss: undefined },
        { vct: undefined },
        { vct: '' },
        { vct: ['NationalIdCredential'] },
        { sub: 42 },
      ]) {
        expect(await credential(await make({ payload })), JSON.stringify(payload)).toEqual(['MALFORMED']);
      }
    });

    it('iss another DID than the kid names: refused', async () => {
      expect(await credential(await make({ payload: { iss: stranger.did } }))).not.toEqual([]);
      expect((await verifier().verifyCredential(await make({ payload: { iss: stranger.did } }))).verified).toBe(false);
    });
  });

  describe('media types and serializations', () => {
    it('a plain JWT with typ dc+sd-jwt and no "~" does not verify', async () => {
      const s = await make({ disclosures: [] });
      const jwt = s.slice(0, s.indexOf('~'));
      expect((await verifier().verifyCredential(jwt)).verified).toBe(false);
      expect((await verifier().verifyPresentation(jwt, { nonce: NONCE, audience: AUDIENCE })).verified).toBe(false);
    });

    it('the JSON serialization: UNSUPPORTED_FORMAT (or MALFORMED), never verified', async () => {
      const s = await make();
      const [h, p, sig] = s.slice(0, s.indexOf('~')).split('.');
      const json = { protected: h, payload: p, signature: sig, header: { disclosures: [given, nationality] } };
      const r = await verifier().verifyCredential(json as never);
      expect(r.verified).toBe(false);
      expect(codes(r).every((c) => c === 'UNSUPPORTED_FORMAT' || c === 'MALFORMED')).toBe(true);
      const r2 = await verifier().verifyCredential(JSON.stringify(json));
      expect(r2.verified).toBe(false);
    });

    it('typ in another case or with application/ is read; typ vc+sd-jwt refused when acceptVcSdJwt is false', async () => {
      expect(await credential(await make({ header: { typ: 'DC+SD-JWT' } }))).toEqual([]);
      expect(await credential(await make({ header: { typ: 'application/dc+sd-jwt' } }))).toEqual([]);
      expect(await credential(await make({ header: { typ: 'vc+sd-jwt' } }), { sdJwt: { acceptVcSdJwt: false } })).toEqual([
        'UNSUPPORTED_FORMAT',
      ]);
      for (const typ of ['dc+sd-jwt ', 'sd-jwt', 'kb+jwt', 'statuslist+jwt', ['dc+sd-jwt']]) {
        expect(await credential(await make({ header: { typ } })), JSON.stringify(typ)).toEqual(['UNSUPPORTED_FORMAT']);
      }
    });

    it('formats without dc+sd-jwt: UNSUPPORTED_FORMAT', async () => {
      expect(await credential(await make(), { formats: ['vc+jwt'] as never })).toEqual(['UNSUPPORTED_FORMAT']);
    });

    it('issuer alg none, HS256, or a crit header: refused', async () => {
      const s = await make();
      const [h, p] = s.slice(0, s.indexOf('~')).split('.') as [string, string];
      const none = `${b64json({ ...unb64json(h), alg: 'none' })}.${p}.`;
      expect(await credential(s.replace(s.slice(0, s.indexOf('~')), none))).toEqual(['UNSUPPORTED_ALGORITHM']);
      const hs = `${b64json({ ...unb64json(h), alg: 'HS256' })}.${p}.AAAA`;
      expect(await credential(s.replace(s.slice(0, s.indexOf('~')), hs))).toEqual(['UNSUPPORTED_ALGORITHM']);
      const crit = await make({ header: { crit: ['x-unknown'], 'x-unknown': 1 } });
      expect((await verifier().verifyCredential(crit)).verified).toBe(false);
    });

    it('a key binding glued twice, or junk after it: refused, nothing throws', async () => {
      const s = await make({ disclosures: [nationality], sd: [sha256(nationality)] });
      const p = await bind(s);
      const kb = p.slice(s.length);
      expect(await present(`${p}~${kb}`)).not.toEqual([]);
      expect(await present(`${p}x`)).not.toEqual([]);
      expect(await present(`${withoutKb(p)}~`)).not.toEqual([]);
    });
  });

  describe('Token Status List tricks', () => {
    const URI = 'https://status.example.lc/token/1';
    const IDX = 5;

    /** A status list token signed by `signer` with the given status values. */
    async function token(
      values: Record<number, number>,
      o: { signer?: TestKey; header?: Record<string, unknown>; payload?: Record<string, unknown>; bits?: number; raw?: Uint8Array } = {},
    ) {
      const bits = o.bits ?? 2;
      const bytes = o.raw ?? new Uint8Array(64);
      for (const [i, v] of Object.entries(values)) {
        const bit = Number(i) * bits;
        bytes[bit >> 3] = (bytes[bit >> 3] as number) | (v << (bit & 7));
      }
      const signer = o.signer ?? issuer;
      return signJws(
        signer.alg,
        signer.privateKey,
        { alg: signer.alg, typ: 'statuslist+jwt', kid: signer.kid, ...o.header },
        {
          sub: URI,
          iat: now() - 10,
          exp: now() + 3600,
          status_list: { bits, lst: deflateSync(bytes).toString('base64url') },
          ...o.payload,
        },
      );
    }
    const withStatus = (idx: unknown = IDX, uri: unknown = URI) => make({ payload: { status: { status_list: { idx, uri } } } });
    const check = async (sdJwt: string, tokenJwt: string | undefined, extra: VerifyOptions = {}) =>
      credential(sdJwt, { status: { lists: tokenJwt === undefined ? {} : { [URI]: tokenJwt } }, ...extra });

    it('control: valid, revoked and suspended are read at the index', async () => {
      const s = await withStatus();
      expect(await check(s, await token({}))).toEqual([]);
      expect(await check(s, await token({ [IDX]: 1 }))).toEqual(['REVOKED']);
      expect(await check(s, await token({ [IDX]: 2 }))).toEqual(['SUSPENDED']);
      expect(await check(s, await token({ [IDX]: 3 }))).toEqual(['STATUS_UNAVAILABLE']);
      // Neighbours do not leak into the index.
      expect(await check(s, await token({ [IDX - 1]: 1, [IDX + 1]: 2 }))).toEqual([]);
    });

    it('idx negative, a string, a float, beyond 2^53, or uri not a string: MALFORMED', async () => {
      for (const idx of [-1, '5', 5.5, 2 ** 53, null, 1e30]) {
        expect(await check(await withStatus(idx), await token({})), JSON.stringify(idx)).toEqual(['MALFORMED']);
      }
      for (const uri of [42, '', null, ['https://status.example.lc/token/1']]) {
        expect(await check(await withStatus(IDX, uri), await token({})), JSON.stringify(uri)).toEqual(['MALFORMED']);
      }
    });

    it('idx beyond the list: STATUS_UNAVAILABLE', async () => {
      expect(await check(await withStatus(64 * 4), await token({}))).toEqual(['STATUS_UNAVAILABLE']);
    });

    it('a token of another issuer, for another uri, with typ JWT, bits 3, stale by exp or ttl, issued in the future: STATUS_UNAVAILABLE', async () => {
      const s = await withStatus();
      const bad = [
        await token({}, { signer: stranger }),
        await token({}, { signer: stranger, payload: { iss: issuer.did } }),
        await token({}, { header: { kid: stranger.kid }, signer: stranger }),
        await token({}, { payload: { sub: 'https://status.example.lc/token/2' } }),
        await token({}, { payload: { sub: undefined } }),
        await token({}, { payload: { iss: stranger.did } }),
        await token({}, { header: { typ: 'JWT' } }),
        await token({}, { header: { typ: 'STATUSLIST+JWT ' } }),
        await token({}, { bits: 3 }),
        await token({}, { payload: { exp: now() - 3600 } }),
        await token({}, { payload: { iat: now() - 7200, ttl: 60, exp: undefined } }),
        await token({}, { payload: { iat: now() + 7200 } }),
        await token({}, { payload: { iat: '1700000000' } }),
        await token({}, { payload: { ttl: -1 } }),
        await token({}, { payload: { status_list: { bits: 2, lst: 'not-zlib' } } }),
        await token({}, { payload: { status_list: { bits: 2 } } }),
      ];
      for (const [i, t] of bad.entries()) expect(await check(s, t), `token ${i}`).toEqual(['STATUS_UNAVAILABLE']);
    });

    it('an unsigned token, an SD-JWT or a JSON object given as the token: STATUS_UNAVAILABLE', async () => {
      const s = await withStatus();
      const good = await token({});
      const [h, p] = good.split('.') as [string, string];
      const none = `${b64json({ ...unb64json(h), alg: 'none' })}.${p}.`;
      for (const t of [none, `${good}~`, `${good}~${given}~`, JSON.stringify({ status_list: { bits: 2, lst: '' } })]) {
        expect(await check(s, t), t.slice(0, 30)).toEqual(['STATUS_UNAVAILABLE']);
      }
    });

    it('a zlib bomb in lst: LIMIT_EXCEEDED, nothing throws', async () => {
      const s = await withStatus();
      const bomb = await token({}, { raw: new Uint8Array(64 * 1024 * 1024) });
      expect(await check(s, bomb)).toEqual(['LIMIT_EXCEEDED']);
    });

    it('status uris the provider must not see (http, loopback, private): STATUS_UNAVAILABLE, the provider never asked', async () => {
      const asked: string[] = [];
      const provider = {
        get: async (url: string) => {
          asked.push(url);
          return undefined;
        },
      };
      for (const uri of [
        'http://status.example.lc/token/1',
        'https://127.0.0.1/token/1',
        'https://10.1.2.3/token/1',
        'https://[::1]/token/1',
        'https://localhost/token/1',
        'file:///etc/passwd',
        'javascript:alert(1)',
      ]) {
        const r = await credential(await withStatus(IDX, uri), { status: { provider } });
        expect(r, uri).not.toEqual([]);
      }
      expect(asked).toEqual([]);
    });

    it('status without status_list, or status_list not an object: refused under the default policy', async () => {
      expect(await credential(await make({ payload: { status: {} } }))).toEqual(['STATUS_UNAVAILABLE']);
      expect(await credential(await make({ payload: { status: { status_list: 'x' } } }))).toEqual(['MALFORMED']);
      expect(await credential(await make({ payload: { status: 'revoked' } }))).toEqual(['MALFORMED']);
    });
  });
});
