// Issuer keys of SD-JWT VCs: DID, https issuers with keys in a recognition list, and
// x5c chains, which count only when a recognition list or the caller anchors them.
// Certificates: test/fixtures/x509 (generate.sh, openssl), and a few re-signed here with
// @peculiar/asn1-x509 with extensions openssl does not write (twice, unreadable).
import { createPrivateKey, type KeyObject, sign as signBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, id_ce_basicConstraints, id_ce_keyUsage, KeyUsage, KeyUsageFlags, type TBSCertificate } from '@peculiar/asn1-x509';
import { StatusList } from '@sd-jwt/jwt-status-list';
import { jwkThumbprint, parseCompactJws, TradewindError } from '@tradewind/core';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { nodeCrypto } from '../src/crypto/node.js';
import { webCrypto } from '../src/crypto/web.js';
import type { RecognitionState } from '../src/recognition/load-lists.js';
import { keyPeriodsAt } from '../src/recognition/recognize.js';
import { verifySdJwtIssuerSignature } from '../src/sd-jwt/issuer-key.js';
import { checkTokenStatus } from '../src/sd-jwt/token-status.js';
import type { VerifyOptions } from '../src/types.js';
import { recognitionState } from '../src/verify-credential.js';
import { bundleForBrowser } from './helpers/browser-bundle.js';
import { didKey, lowS, recognitionListJwt, type TestKey } from './helpers/producers.js';

const ISS = 'https://issuer.example.org';
const dir = new URL('./fixtures/x509/', import.meta.url);
const pem = (name: string) => readFileSync(new URL(`${name}.pem`, dir), 'utf8');
const cert = (name: string) => new X509Certificate(pem(name));
/** base64 DER, as in x5c and recognition lists. */
const der = (name: string) => cert(name).raw.toString('base64');
const privateKey = (name: string) => createPrivateKey(pem(`${name}.key`));
const sha256 = (name: string) => Buffer.from(cert(name).fingerprint256.replace(/:/g, ''), 'hex').toString('base64url');
const publicJwk = (name: string) => cert(name).publicKey.export({ format: 'jwk' }) as Record<string, string>;

/** Inside every long-lived certificate's window: a day after the leaf's start. */
const NOW = new Date(Date.parse(cert('leaf-ed25519').validFrom) + 86_400_000);

async function sign(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown> = { iss: ISS, vct: 'Test' }) {
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA';
  return lowS(await new SignJWT(payload).setProtectedHeader({ alg, typ: 'dc+sd-jwt', ...header }).sign(key));
}

const entry = (extra: Record<string, unknown>, id = ISS) => ({
  id,
  country: 'TT',
  name: 'Test issuer',
  credentialTypes: ['*'],
  assuranceLevel: 'high',
  ...extra,
});

describe('SD-JWT VC issuer keys', () => {
  let anchor: TestKey;
  beforeAll(() => {
    anchor = didKey();
  });

  async function setup(entries: unknown[] | undefined, options: VerifyOptions = {}, backend = nodeCrypto) {
    const lists = entries ? [await recognitionListJwt(anchor, entries)] : undefined;
    const ctx = createContext(
      { now: NOW, ...(lists ? { policy: { anchors: [anchor.did] }, recognitionLists: lists } : {}), ...options },
      backend,
    );
    const state = lists ? await recognitionState(ctx) : undefined;
    const check = async (jwt: string, iss = ISS) => verifySdJwtIssuerSignature(ctx, parseCompactJws(jwt), iss, state, false);
    return { ctx, state, check };
  }
  async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
      return 'verified';
    } catch (e) {
      if (!(e instanceof TradewindError)) throw e;
      return e.code;
    }
  }
  async function errorOf(p: Promise<unknown>): Promise<TradewindError> {
    try {
      await p;
    } catch (e) {
      if (e instanceof TradewindError) return e;
      throw e;
    }
    throw new Error('expected a TradewindError');
  }

  describe('DID issuers', () => {
    it('verifies with the DID key named by kid', async () => {
      const issuer = didKey();
      const { check } = await setup(undefined);
      const jwt = await sign(issuer.privateKey, { kid: issuer.kid }, { iss: issuer.did });
      const r = await check(jwt, issuer.did);
      expect(r.via).toBe('did');
      expect(r.keyId).toBe(issuer.kid);
    });

    it('refuses a signature by another key (SIGNATURE_INVALID)', async () => {
      const issuer = didKey();
      const { check } = await setup(undefined);
      const jwt = await sign(didKey().privateKey, { kid: issuer.kid }, { iss: issuer.did });
      expect(await codeOf(check(jwt, issuer.did))).toBe('SIGNATURE_INVALID');
    });

    it('uses the DID key when an x5c beside kid is not anchored, never the x5c leaf', async () => {
      const issuer = didKey();
      const { check } = await setup(undefined);
      const jwt = await sign(issuer.privateKey, { kid: issuer.kid, x5c: [der('other-leaf')] }, { iss: issuer.did });
      expect((await check(jwt, issuer.did)).via).toBe('did');
      // Signed by the certificate's key: the DID's key does not verify it.
      const forged = await sign(privateKey('other-leaf'), { kid: issuer.kid, x5c: [der('other-leaf')] }, { iss: issuer.did });
      expect(await codeOf(check(forged, issuer.did))).toBe('SIGNATURE_INVALID');
    });

    it('ignores an unanchored x5c whose leaf key it could not use (RSA) beside a DID kid', async () => {
      const issuer = didKey();
      const { check } = await setup(undefined);
      const jwt = await sign(issuer.privateKey, { kid: issuer.kid, x5c: [der('rsa-leaf')] }, { iss: issuer.did });
      expect((await check(jwt, issuer.did)).via).toBe('did');
    });

    it('refuses an unanchored x5c of a DID issuer whose DID gives no key (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup(undefined);
      const did = 'did:web:issuer.example.org';
      const jwt = await sign(privateKey('other-leaf'), { kid: `${did}#k1`, x5c: [der('other-leaf')] }, { iss: did });
      const e = await errorOf(check(jwt, did));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('not anchored');
    });
  });

  describe('https issuers with keys in a recognition list', () => {
    const listedKey = (kid: string, extra: Record<string, unknown> = {}) => ({ ...publicJwk('leaf-dns'), kid, ...extra });

    it('verifies with the listed key the header kid names', async () => {
      const { check, state } = await setup([entry({ keys: [listedKey('key-2024'), { ...publicJwk('leaf-p256'), kid: 'key-p256' }] })]);
      const r = await check(await sign(privateKey('leaf-dns'), { kid: 'key-2024' }));
      expect(r).toMatchObject({ via: 'list', keyId: 'key-2024' });
      // recognize() judges it by its material, as for DID keys.
      const thumbprint = await jwkThumbprint(r.key.jwk);
      expect(keyPeriodsAt(state as RecognitionState, ISS, r.keyId, thumbprint, NOW.getTime(), 0, 'credential')).toHaveLength(1);
    });

    it('verifies with the only listed key when the header has no kid', async () => {
      const { check } = await setup([entry({ keys: [listedKey('only')] })]);
      expect((await check(await sign(privateKey('leaf-dns'), {}))).keyId).toBe('only');
    });

    it('refuses a kid the list does not carry, or no kid among several keys (KEY_NOT_FOUND)', async () => {
      const { check } = await setup([entry({ keys: [listedKey('a'), { ...publicJwk('leaf-p256'), kid: 'b' }] })]);
      expect(await codeOf(check(await sign(privateKey('leaf-dns'), { kid: 'c' })))).toBe('KEY_NOT_FOUND');
      expect(await codeOf(check(await sign(privateKey('leaf-dns'), {})))).toBe('KEY_NOT_FOUND');
    });

    it('refuses an https issuer without listed keys, and without any list (KEY_NOT_FOUND), fetching nothing', async () => {
      const other = await setup([entry({ keys: [listedKey('a')] }, 'https://other.example.org')]);
      const jwt = await sign(privateKey('leaf-dns'), { kid: 'a' });
      const e = await errorOf(other.check(jwt));
      expect(e.code).toBe('KEY_NOT_FOUND');
      expect(e.message).toContain('a recognition list must list them');
      expect(await codeOf((await setup(undefined)).check(jwt))).toBe('KEY_NOT_FOUND');
    });

    it('refuses a key the list marks revoked (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup([entry({ keys: [listedKey('a', { revoked: true })] })]);
      const e = await errorOf(check(await sign(privateKey('leaf-dns'), { kid: 'a' })));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('revoked');
    });

    it('refuses a signature by another key under the listed kid (SIGNATURE_INVALID)', async () => {
      const { check } = await setup([entry({ keys: [listedKey('a')] })]);
      expect(await codeOf(check(await sign(privateKey('other-leaf'), { kid: 'a' })))).toBe('SIGNATURE_INVALID');
    });

    it('refuses an iss that is neither a DID nor an https URL (MALFORMED)', async () => {
      const { check } = await setup([entry({ keys: [listedKey('a')] })]);
      const jwt = await sign(privateKey('leaf-dns'), { kid: 'a' });
      expect(await codeOf(check(jwt, 'http://issuer.example.org'))).toBe('MALFORMED');
    });
  });

  describe('x5c chains', () => {
    const ed = () => sign(privateKey('leaf-ed25519'), { x5c: [der('leaf-ed25519'), der('ca-ed25519')] });

    it('verifies a chain whose leaf the list pins, with keyId x5c#<leaf SHA-256>', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('leaf-ed25519')] } })]);
      const r = await check(await sign(privateKey('leaf-ed25519'), { x5c: [der('leaf-ed25519')] }));
      expect(r).toMatchObject({ via: 'x5c', keyId: `x5c#${sha256('leaf-ed25519')}` });
    });

    it('verifies a chain ending at a CA the list pins, in the chain or above it', async () => {
      const { check, state } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
      const r = await check(await ed());
      expect(r.via).toBe('x5c');
      expect((await check(await sign(privateKey('leaf-ed25519'), { x5c: [der('leaf-ed25519')] }))).via).toBe('x5c');
      // The entry now recognises the leaf key, by its thumbprint.
      const thumbprint = await jwkThumbprint(r.key.jwk);
      expect(keyPeriodsAt(state as RecognitionState, ISS, r.keyId, thumbprint, NOW.getTime(), 0, 'credential')).toHaveLength(1);
    });

    it('verifies a P-256 chain through an intermediate to a pinned root', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('root-p256')] } })]);
      const key = privateKey('leaf-p256');
      expect((await check(await sign(key, { x5c: [der('leaf-p256'), der('inter-p256')] }))).via).toBe('x5c');
      expect((await check(await sign(key, { x5c: [der('leaf-p256'), der('inter-p256'), der('root-p256')] }))).via).toBe('x5c');
    });

    it("verifies a chain whose leaf key is among the entry's keys", async () => {
      const { check } = await setup([entry({ keys: [{ ...publicJwk('leaf-ed25519'), kid: 'k' }] })]);
      expect((await check(await ed())).via).toBe('x5c');
    });

    it("verifies a chain the caller's trusted certificates anchor, when the leaf names the issuer", async () => {
      const { check } = await setup(undefined, { trustedCertificates: [pem('ca-ed25519')] });
      expect((await check(await ed())).via).toBe('x5c');
      // A DNS name equal to the issuer's host names it too.
      expect((await check(await sign(privateKey('leaf-dns'), { x5c: [der('leaf-dns')] }))).via).toBe('x5c');
      // base64 DER works as PEM does.
      const b64 = await setup(undefined, { trustedCertificates: [der('root-p256')] });
      expect((await b64.check(await sign(privateKey('leaf-p256'), { x5c: [der('leaf-p256'), der('inter-p256')] }))).via).toBe('x5c');
    });

    it('refuses a caller-anchored leaf whose subjectAltName names someone else (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup(undefined, { trustedCertificates: [pem('ca-ed25519')] });
      const e = await errorOf(check(await sign(privateKey('wrong-san'), { x5c: [der('wrong-san')] })));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('subjectAltName');
    });

    it('refuses an x5c nothing anchors, the leaf taken on faith (UNTRUSTED_ISSUER)', async () => {
      // What a verifier that trusts x5c[0] would accept: a self-consistent chain of anyone's.
      const jwt = await sign(privateKey('other-leaf'), { x5c: [der('other-leaf'), der('other-ca')], kid: 'k' });
      const e = await errorOf((await setup(undefined)).check(jwt));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toBe('x5c certificate chain is not anchored by a recognition list or trusted certificate');
      const listed = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })], {
        trustedCertificates: [pem('root-p256')],
      });
      expect(await codeOf(listed.check(jwt))).toBe('UNTRUSTED_ISSUER');
    });

    it("does not take another issuer's pins (UNTRUSTED_ISSUER)", async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } }, 'https://other.example.org')]);
      expect(await codeOf(check(await ed()))).toBe('UNTRUSTED_ISSUER');
    });

    it('refuses a broken chain (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('root-p256')] } })]);
      const e = await errorOf(check(await sign(privateKey('leaf-p256'), { x5c: [der('leaf-p256'), der('root-p256')] })));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('broken');
    });

    it('refuses a chain through a certificate that is not a CA (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
      const e = await errorOf(check(await sign(privateKey('under-leaf'), { x5c: [der('under-leaf'), der('leaf-ed25519')] })));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('not a CA');
    });

    it('refuses an expired or not yet valid certificate at the evaluation time (UNTRUSTED_ISSUER)', async () => {
      const pins = [entry({ x509: { certificates: [der('ca-ed25519')] } })];
      const short = await sign(privateKey('short-leaf'), { x5c: [der('short-leaf')] });
      const end = Date.parse(cert('short-leaf').validTo);
      expect((await (await setup(pins, { now: new Date(end - 3_600_000) })).check(short)).via).toBe('x5c');
      const expired = await errorOf((await setup(pins, { now: new Date(end + 3_600_000) })).check(short));
      expect(expired.code).toBe('UNTRUSTED_ISSUER');
      expect(expired.message).toContain('expired');
      // Within the clock skew (60 s by default) it still counts.
      expect((await (await setup(pins, { now: new Date(end + 30_000) })).check(short)).via).toBe('x5c');
      const start = Date.parse(cert('leaf-ed25519').validFrom);
      const early = await errorOf((await setup(pins, { now: new Date(start - 3_600_000) })).check(await ed()));
      expect(early.code).toBe('UNTRUSTED_ISSUER');
      expect(early.message).toContain('not valid before');
    });

    it('checks x5t#S256 against the leaf (MALFORMED on a mismatch)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
      const key = privateKey('leaf-ed25519');
      const x5c = [der('leaf-ed25519')];
      expect((await check(await sign(key, { x5c, 'x5t#S256': sha256('leaf-ed25519') }))).via).toBe('x5c');
      expect(await codeOf(check(await sign(key, { x5c, 'x5t#S256': sha256('ca-ed25519') })))).toBe('MALFORMED');
    });

    it('refuses a signature not made by the leaf key (SIGNATURE_INVALID)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
      expect(await codeOf(check(await sign(privateKey('leaf-dns'), { x5c: [der('leaf-ed25519')] })))).toBe('SIGNATURE_INVALID');
    });

    it('refuses an anchored RSA leaf (UNSUPPORTED_ALGORITHM), and an unanchored one as unanchored (UNTRUSTED_ISSUER)', async () => {
      const jwt = await sign(privateKey('leaf-ed25519'), { x5c: [der('rsa-leaf')] });
      const anchored = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
      expect(await codeOf(anchored.check(jwt))).toBe('UNSUPPORTED_ALGORITHM');
      expect(await codeOf((await setup(undefined)).check(jwt))).toBe('UNTRUSTED_ISSUER');
    });

    it('refuses a leaf key that does not suit alg (SIGNATURE_INVALID)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('root-p256')] } })]);
      const jwt = await sign(privateKey('leaf-ed25519'), { x5c: [der('leaf-p256'), der('inter-p256')] });
      expect(await codeOf(check(jwt))).toBe('SIGNATURE_INVALID');
    });

    it('refuses a leaf key a recognition list marks revoked, however the chain is anchored (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup([
        entry({ x509: { certificates: [der('ca-ed25519')] } }),
        entry({ keys: [{ ...publicJwk('leaf-ed25519'), kid: 'old', revoked: true }] }, 'https://old.example.org'),
      ]);
      const e = await errorOf(check(await ed()));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('revoked');
    });

    it('refuses every key of an https issuer whose entry without keys is revoked, a caller-anchored chain too (UNTRUSTED_ISSUER)', async () => {
      const { check } = await setup([entry({ revoked: true, x509: { certificates: [der('root-p256')] } })], {
        trustedCertificates: [pem('ca-ed25519')],
      });
      const e = await errorOf(check(await ed()));
      expect(e.code).toBe('UNTRUSTED_ISSUER');
      expect(e.message).toContain('revoked');
    });

    it('refuses malformed x5c headers (MALFORMED)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
      const key = privateKey('leaf-ed25519');
      const leaf = der('leaf-ed25519');
      for (const x5c of [
        [],
        leaf,
        [leaf.replace(/=*$/, '').replace(/\+/g, '-')], // base64url, not base64
        [Buffer.from('not a certificate').toString('base64')],
        [Buffer.concat([Buffer.from(leaf, 'base64'), Buffer.from([0])]).toString('base64')], // bytes after the certificate
        [Buffer.from(pem('leaf-ed25519')).toString('base64')], // PEM text, not DER
        Array.from({ length: 11 }, () => leaf),
        [Buffer.alloc(17 * 1024, 0x30).toString('base64')],
        [42],
      ]) {
        expect(await codeOf(check(await sign(key, { x5c }))), JSON.stringify(x5c).slice(0, 60)).toBe('MALFORMED');
      }
    });

    it("binds a pinned chain's leaf key to the key period whose pins anchored it", async () => {
      const switchover = new Date(NOW.getTime() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const { check, state } = await setup([
        entry({ validUntil: switchover, x509: { certificates: [der('ca-ed25519')] } }),
        entry({ validFrom: switchover, x509: { certificates: [der('root-p256')] } }),
      ]);
      const r = await check(await ed());
      const thumbprint = await jwkThumbprint(r.key.jwk);
      const at = (ms: number) => keyPeriodsAt(state as RecognitionState, ISS, r.keyId, thumbprint, ms, 0, 'credential');
      // Issued while the Ed25519 CA's period ran: recognised; after it, the P-256 root's period does not cover it.
      expect(at(NOW.getTime() - 7_200_000)).toHaveLength(1);
      expect(() => at(NOW.getTime())).toThrow(/was not recognised at the credential's issuance time/);
    });

    it('caller-anchored keys still answer to the recognition list in force', async () => {
      const { check, state } = await setup([entry({ x509: { certificates: [der('root-p256')] } })], {
        trustedCertificates: [pem('ca-ed25519')],
      });
      const r = await check(await ed());
      expect(r.via).toBe('x5c');
      // The list's entry pins another CA: recognize() does not recognise this key for it.
      const thumbprint = await jwkThumbprint(r.key.jwk);
      expect(() => keyPeriodsAt(state as RecognitionState, ISS, r.keyId, thumbprint, NOW.getTime(), 0, 'credential')).toThrow(
        /not a recognised key/,
      );
    });

    describe('a CA a recognition list pins anchors only leaves that name the issuer', () => {
      const caPin = entry({ x509: { certificates: [der('ca-ed25519')] } });
      const wrongSan = () => sign(privateKey('wrong-san'), { x5c: [der('wrong-san'), der('ca-ed25519')] });

      it('refuses a leaf of the pinned CA certified for another host, the CA in x5c or above it (UNTRUSTED_ISSUER)', async () => {
        // The CA certifies https://other.example.org too: its pin does not make that leaf this issuer's.
        const { check } = await setup([caPin]);
        const e = await errorOf(check(await wrongSan()));
        expect(e.code).toBe('UNTRUSTED_ISSUER');
        expect(e.message).toBe("the x5c leaf certificate's subjectAltName does not name the issuer https://issuer.example.org");
        expect(await codeOf(check(await sign(privateKey('wrong-san'), { x5c: [der('wrong-san')] })))).toBe('UNTRUSTED_ISSUER');
        // The same leaf under a pinned root, through an intermediate: the same rule.
        const rooted = await setup([entry({ x509: { certificates: [der('root-p256')] } })]);
        expect(await codeOf(rooted.check(await sign(privateKey('leaf-p256'), { x5c: [der('leaf-p256'), der('inter-p256')] })))).toBe(
          'verified',
        );
      });

      it('accepts that leaf when the entry pins the leaf itself or lists its key (MOSIP pins leaves)', async () => {
        expect(await codeOf((await setup([entry({ x509: { certificates: [der('wrong-san')] } })])).check(await wrongSan()))).toBe(
          'verified',
        );
        expect(await codeOf((await setup([entry({ keys: [{ ...publicJwk('wrong-san'), kid: 'k' }] })])).check(await wrongSan()))).toBe(
          'verified',
        );
        // An entry that pins the CA and the leaf: the leaf pin decides, whichever comes first.
        const both = await setup([entry({ x509: { certificates: [der('ca-ed25519'), der('wrong-san')] } })]);
        const r = await both.check(await wrongSan());
        expect(r.via).toBe('x5c');
        // Of two entries for the issuer, only the one that pins the leaf recognises its key.
        const two = await setup([caPin, entry({ x509: { certificates: [der('wrong-san')] } })]);
        const thumbprint = await jwkThumbprint((await two.check(await wrongSan())).key.jwk);
        expect(keyPeriodsAt(two.state as RecognitionState, ISS, r.keyId, thumbprint, NOW.getTime(), 0, 'credential')).toHaveLength(1);
      });

      it('refuses a Token Status List token signed by such a leaf (STATUS_UNAVAILABLE, by name)', async () => {
        const uri = 'https://status.example.org/token/1';
        const iat = Math.floor(NOW.getTime() / 1000);
        const list = new StatusList(new Array<number>(131_072).fill(0), 2).compressStatusList();
        const token = async (name: string) =>
          lowS(
            await new SignJWT({ sub: uri, iat: iat - 60, exp: iat + 3600, status_list: { bits: 2, lst: list } })
              .setProtectedHeader({ alg: 'EdDSA', typ: 'statuslist+jwt', x5c: [der(name), der('ca-ed25519')] })
              .sign(privateKey(name)),
          );
        const statusOf = async (t: string) => {
          const { ctx, state } = await setup([caPin], { status: { lists: { [uri]: t } } });
          const options = { recognition: state, required: false, statusUrls: new Set<string>(), parallel: false };
          return checkTokenStatus(ctx, { status_list: { idx: 7, uri } }, ISS, options);
        };
        expect((await statusOf(await token('leaf-ed25519'))).errors).toEqual([]);
        const r = await statusOf(await token('wrong-san'));
        expect(r.errors.map((e) => e.code)).toEqual(['STATUS_UNAVAILABLE']);
        expect(r.errors[0]?.message).toContain('subjectAltName does not name the issuer');
      });
    });

    describe('path length and key usage (RFC 5280 4.2.1.3, 4.2.1.9, 6.1.4)', () => {
      const p256 = (leaf: string, ...chain: string[]) => sign(privateKey(leaf), { x5c: [der(leaf), ...chain.map(der)] });

      it("refuses a leaf below a CA that a pathLenConstraint 0 CA certified, the CA in x5c, pinned or the caller's (UNTRUSTED_ISSUER)", async () => {
        const caller = await setup(undefined, { trustedCertificates: [pem('root-p256')] });
        expect(await codeOf(caller.check(await p256('len0-leaf', 'len0-ca')))).toBe('verified');
        const e = await errorOf(caller.check(await p256('deep-leaf', 'len0-sub-ca', 'len0-ca')));
        expect(e.code).toBe('UNTRUSTED_ISSUER');
        expect(e.message).toBe('x5c[2] (CN=Test CA pathlen 0) allows 0 CA certificate(s) below it (pathLenConstraint) and the path has 1');
        const rooted = await setup([entry({ x509: { certificates: [der('root-p256')] } })]);
        expect(await codeOf(rooted.check(await p256('deep-leaf', 'len0-sub-ca', 'len0-ca', 'root-p256')))).toBe('UNTRUSTED_ISSUER');
        // The constrained CA is the anchor itself, above the chain: its constraint counts too.
        const pinned = await setup([entry({ x509: { certificates: [der('len0-ca')] } })]);
        expect(await codeOf(pinned.check(await p256('len0-leaf')))).toBe('verified');
        const above = await errorOf(pinned.check(await p256('deep-leaf', 'len0-sub-ca')));
        expect(above.code).toBe('UNTRUSTED_ISSUER');
        expect(above.message).toContain('the CA certificate above x5c that anchors it (CN=Test CA pathlen 0) allows 0');
      });

      it("does not count the constrained CA's own new key (self-issued) against pathLenConstraint", async () => {
        const { check } = await setup(undefined, { trustedCertificates: [pem('root-p256')] });
        expect(await codeOf(check(await p256('rollover-leaf', 'len0-rollover', 'len0-ca')))).toBe('verified');
      });

      it('refuses a leaf whose keyUsage allows neither digitalSignature nor nonRepudiation, however it is anchored (UNTRUSTED_ISSUER)', async () => {
        const agreement = await sign(privateKey('agreement-leaf'), { x5c: [der('agreement-leaf')] });
        for (const [what, { check }] of [
          ['CA pinned', await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })])],
          ['leaf pinned', await setup([entry({ x509: { certificates: [der('agreement-leaf')] } })])],
          ['key listed', await setup([entry({ keys: [{ ...publicJwk('agreement-leaf'), kid: 'k' }] })])],
          ['CA trusted', await setup(undefined, { trustedCertificates: [pem('ca-ed25519')] })],
        ] as const) {
          const e = await errorOf(check(agreement));
          expect(e.code, what).toBe('UNTRUSTED_ISSUER');
          expect(e.message, what).toBe(
            "the x5c leaf certificate's keyUsage does not allow digitalSignature or nonRepudiation (it allows keyAgreement)",
          );
        }
        // keyUsage digitalSignature, nonRepudiation alone (a seal), and no keyUsage at all (any use), sign.
        const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })]);
        expect(await codeOf(check(await sign(privateKey('signing-leaf'), { x5c: [der('signing-leaf')] })))).toBe('verified');
        expect(await codeOf(check(await sign(privateKey('seal-leaf'), { x5c: [der('seal-leaf')] })))).toBe('verified');
        expect(await codeOf(check(await ed()))).toBe('verified');
      });
    });

    it('refuses a chain whose anchor above it has expired at the evaluation time, pinned or trusted (UNTRUSTED_ISSUER)', async () => {
      // short-ca is valid for one day; the leaf it certified, for 20 years.
      const end = Date.parse(cert('short-ca').validTo);
      const jwt = await sign(privateKey('under-short-ca'), { x5c: [der('under-short-ca')] });
      for (const options of [{ pins: [der('short-ca')] }, { trusted: [pem('short-ca')] }]) {
        const at = async (ms: number) => {
          const entries = options.pins ? [entry({ x509: { certificates: options.pins } })] : undefined;
          return (await setup(entries, { now: new Date(ms), ...(options.trusted ? { trustedCertificates: options.trusted } : {}) })).check(
            jwt,
          );
        };
        expect(await codeOf(at(end - 3_600_000))).toBe('verified');
        const e = await errorOf(at(end + 3_600_000));
        expect(e.code).toBe('UNTRUSTED_ISSUER');
        expect(e.message).toBe(
          `the CA certificate above x5c that anchors it (CN=Test CA one day) expired at ${new Date(end).toISOString()}`,
        );
      }
    });

    describe('extensions read from the DER', () => {
      /** A fixture certificate with its extensions edited, signed again by `signer` (Ed25519): base64 DER. */
      function resigned(name: string, signer: string, edit: (tbs: TBSCertificate) => void): string {
        const certificate = AsnConvert.parse(cert(name).raw, Certificate);
        edit(certificate.tbsCertificate);
        const tbs = Buffer.from(AsnConvert.serialize(certificate.tbsCertificate));
        certificate.signatureValue = new Uint8Array(signBytes(null, tbs, privateKey(signer))).buffer;
        return Buffer.from(AsnConvert.serialize(certificate)).toString('base64');
      }
      const extension = (tbs: TBSCertificate, id: string) =>
        tbs.extensions?.find((e) => e.extnID === id) as NonNullable<TBSCertificate['extensions']>[number];
      const caPin = [entry({ x509: { certificates: [der('ca-ed25519')] } })];

      it('control: a certificate re-signed unchanged is the same certificate and verifies', async () => {
        const same = resigned('leaf-ed25519', 'ca-ed25519', () => {});
        expect(same).toBe(der('leaf-ed25519'));
        expect((await (await setup(caPin)).check(await sign(privateKey('leaf-ed25519'), { x5c: [same] }))).via).toBe('x5c');
      });

      it('refuses a certificate with basicConstraints twice or unreadable, pinned or not (UNTRUSTED_ISSUER)', async () => {
        const twice = resigned('leaf-ed25519', 'ca-ed25519', (tbs) => {
          tbs.extensions?.push(extension(tbs, id_ce_basicConstraints));
        });
        const unreadable = resigned('leaf-ed25519', 'ca-ed25519', (tbs) => {
          extension(tbs, id_ce_basicConstraints).extnValue = new OctetString(new Uint8Array([0x30, 0x03, 0x01, 0x01]));
        });
        for (const leaf of [twice, unreadable]) {
          const jwt = await sign(privateKey('leaf-ed25519'), { x5c: [leaf] });
          // Under the pinned CA: OpenSSL's issuer check already refuses such a certificate (not anchored).
          expect(await codeOf((await setup(caPin)).check(jwt))).toBe('UNTRUSTED_ISSUER');
          // Pinned itself: anchored, then refused for the extension.
          const e = await errorOf((await setup([entry({ x509: { certificates: [leaf] } })])).check(jwt));
          expect(e.code).toBe('UNTRUSTED_ISSUER');
          expect(e.message).toBe('x5c[0] (CN=issuer.example.org) has a basicConstraints or keyUsage extension that cannot be read');
        }
      });

      it('refuses a CA whose keyUsage does not allow keyCertSign as the anchor above or in the chain (UNTRUSTED_ISSUER)', async () => {
        // The same name and key as ca-ed25519, which issued the leaf: only its keyUsage differs.
        const noCertSign = resigned('ca-ed25519', 'ca-ed25519', (tbs) => {
          const usage = new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.cRLSign);
          extension(tbs, id_ce_keyUsage).extnValue = new OctetString(AsnConvert.serialize(usage));
        });
        const { check } = await setup([entry({ x509: { certificates: [noCertSign] } })]);
        const leaf = privateKey('leaf-ed25519');
        expect(await codeOf(check(await sign(leaf, { x5c: [der('leaf-ed25519')] })))).toBe('UNTRUSTED_ISSUER');
        expect(await codeOf(check(await sign(leaf, { x5c: [der('leaf-ed25519'), noCertSign] })))).toBe('UNTRUSTED_ISSUER');
      });
    });

    it('bundles no ASN.1 reader into the browser build (the Node X.509 backend alone loads it)', async () => {
      const { code, nodeImports } = await bundleForBrowser();
      expect(nodeImports).toEqual([]);
      // The basicConstraints OID, a string literal of the ASN.1 X.509 schemas.
      expect(code).not.toContain('2.5.29.19');
      expect(code).not.toContain('@peculiar');
    });

    it('refuses x5c in the browser build, which verifies no certificate chains (UNSUPPORTED_FORMAT)', async () => {
      const { check } = await setup([entry({ x509: { certificates: [der('ca-ed25519')] } })], {}, webCrypto);
      const e = await errorOf(check(await ed()));
      expect(e.code).toBe('UNSUPPORTED_FORMAT');
      expect(e.message).toBe('x5c chains are verified in the Node build only');
    });
  });
});
