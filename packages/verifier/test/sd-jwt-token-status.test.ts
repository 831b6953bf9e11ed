// Token Status List checks of SD-JWT VCs (draft-ietf-oauth-status-list): tokens signed
// with jose, lists built by @sd-jwt/jwt-status-list (an independent encoder) and by
// core's encodeTokenStatusList.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StatusList } from '@sd-jwt/jwt-status-list';
import { decodeTokenStatusList, encodeTokenStatusList } from '@tradewind/core/status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { nodeCrypto } from '../src/crypto/node.js';
import { checkTokenStatus, type TokenStatusOptions } from '../src/sd-jwt/token-status.js';
import type { StatusListSource, VerifyOptions } from '../src/types.js';
import { recognitionState } from '../src/verify-credential.js';
import { didKey, lowS, recognitionListJwt, type TestKey } from './helpers/producers.js';

const URI = 'https://status.example.org/token/1';
const NOW = new Date('2026-06-01T12:00:00Z');
const iatOf = (d: Date) => Math.floor(d.getTime() / 1000);
const LENGTH = 131_072;

/** A 2-bit list of LENGTH entries with these values set (encoded by the reference library). */
function lst(values: Record<number, number> = {}, bits: 1 | 2 | 4 | 8 = 2, length = LENGTH): string {
  const list = new StatusList(new Array<number>(length).fill(0), bits);
  for (const [i, v] of Object.entries(values)) list.setStatus(Number(i), v);
  return list.compressStatusList();
}

async function token(
  signer: { key: KeyObject; header: Record<string, unknown> },
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const alg = signer.key.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA';
  const payload = { sub: URI, iat: iatOf(NOW) - 60, exp: iatOf(NOW) + 3600, ttl: 3600, status_list: { bits: 2, lst: lst() }, ...claims };
  return lowS(await new SignJWT(payload).setProtectedHeader({ alg, typ: 'statuslist+jwt', ...signer.header, ...header }).sign(signer.key));
}

const status = (idx: unknown, uri: unknown = URI) => ({ status_list: { idx, uri } });

describe('Token Status List', () => {
  let issuer: TestKey;
  let other: TestKey;
  let signer: { key: KeyObject; header: Record<string, unknown> };
  beforeAll(() => {
    issuer = didKey();
    other = didKey();
    signer = { key: issuer.privateKey, header: { kid: issuer.kid } };
  });

  async function check(
    lists: Record<string, StatusListSource> | undefined,
    payloadStatus: unknown,
    options: Partial<TokenStatusOptions> = {},
    verify: VerifyOptions = {},
    iss = issuer.did,
  ) {
    const ctx = createContext({ now: NOW, ...verify, ...(lists ? { status: { lists, ...verify.status } } : {}) }, nodeCrypto);
    return checkTokenStatus(ctx, payloadStatus, iss, { required: false, statusUrls: new Set(), parallel: false, ...options });
  }
  const codes = (r: { errors: Array<{ code: string }> }) => r.errors.map((e) => e.code);

  it('passes a credential whose entry is 0 (VALID)', async () => {
    const r = await check({ [URI]: await token(signer, { status_list: { bits: 2, lst: lst({ 7: 1, 9: 2 }) } }) }, status(8));
    expect(r).toEqual({ errors: [], warnings: [] });
  });

  it('reports 1 as REVOKED and 2 as SUSPENDED', async () => {
    const lists = { [URI]: await token(signer, { status_list: { bits: 2, lst: lst({ 7: 1, 9: 2 }) } }) };
    expect(codes(await check(lists, status(7)))).toEqual(['REVOKED']);
    expect(codes(await check(lists, status(9)))).toEqual(['SUSPENDED']);
    expect((await check(lists, status(7))).errors[0]?.path).toBe('/status/status_list');
  });

  it('reads every index as @sd-jwt/jwt-status-list writes it, for 1, 2, 4 and 8 bits', async () => {
    for (const bits of [1, 2, 4, 8] as const) {
      const max = 2 ** bits - 1;
      const values: Record<number, number> = {};
      for (let i = 0; i < 64; i++) values[i] = (i * 7 + 3) % (max + 1);
      const bytes = decodeTokenStatusList(lst(values, bits, 64));
      const reference = StatusList.decompressStatusList(encodeTokenStatusList(bytes), bits);
      for (let i = 0; i < 64; i++) {
        const bit = i * bits;
        const ours = ((bytes[bit >> 3] as number) >> (bit & 7)) & max;
        expect(ours, `bits ${bits} index ${i}`).toBe(values[i]);
        expect(reference.getStatus(i)).toBe(values[i]);
      }
    }
  });

  it('reads 1-bit lists through the verifier too', async () => {
    const lists = { [URI]: await token(signer, { status_list: { bits: 1, lst: lst({ 5: 1 }, 1) } }) };
    expect(codes(await check(lists, status(5)))).toEqual(['REVOKED']);
    expect(codes(await check(lists, status(4)))).toEqual([]);
  });

  it('refuses a value it does not know, and an index beyond the list (STATUS_UNAVAILABLE)', async () => {
    const lists = { [URI]: await token(signer, { status_list: { bits: 2, lst: lst({ 3: 3 }) } }) };
    const r = await check(lists, status(3));
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(r.errors[0]?.message).toContain('status value 3');
    const beyond = await check(lists, status(LENGTH));
    expect(codes(beyond)).toEqual(['STATUS_UNAVAILABLE']);
    expect(beyond.errors[0]?.message).toContain('beyond');
  });

  it('refuses a malformed status_list (MALFORMED)', async () => {
    const lists = { [URI]: await token(signer) };
    for (const s of [status(-1), status('3'), status(1.5), status(3, 42), status(3, ''), { status_list: 'x' }, 'revoked', null]) {
      expect(codes(await check(lists, s)), JSON.stringify(s)).toEqual(['MALFORMED']);
    }
  });

  it('stops a zlib bomb before inflating it (LIMIT_EXCEEDED)', async () => {
    // 16 MiB of zeros in about 16 KiB: past the 2 MiB default while inflating, not after.
    const bomb = encodeTokenStatusList(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(40_000);
    const lists = { [URI]: await token(signer, { status_list: { bits: 2, lst: bomb } }) };
    const r = await check(lists, status(1));
    expect(codes(r)).toEqual(['LIMIT_EXCEEDED']);
    expect(r.errors[0]?.message).toContain('decompresses to more than');
    // Text too long for the limit is refused without decoding it.
    expect(() => decodeTokenStatusList(bomb, { maxBytes: 1024 })).toThrow(/longer than a 1024-byte list/);
  });

  it('refuses tokens that are not statuslist+jwt of this URI, with iat (STATUS_UNAVAILABLE)', async () => {
    const bad = [
      await token(signer, {}, { typ: 'JWT' }),
      await token(signer, { sub: 'https://status.example.org/token/2' }),
      await token(signer, { iat: undefined }),
      await token(signer, { iss: other.did }),
      await token(signer, { status_list: { bits: 3, lst: lst() } }),
      await token(signer, { status_list: { bits: 2, lst: 'not zlib' } }),
      await token(signer, { status_list: { bits: 2, lst: Buffer.from('not zlib at all').toString('base64url') } }),
      await token(signer, { iat: iatOf(NOW) + 3600 }),
      'not a jwt',
      { not: 'a token' } as unknown as StatusListSource,
    ];
    for (const t of bad) {
      const r = await check({ [URI]: t }, status(1));
      expect(codes(r), typeof t === 'string' ? t.slice(0, 60) : 'object').toEqual(['STATUS_UNAVAILABLE']);
    }
  });

  it("refuses a token signed by another issuer than the credential's (STATUS_UNAVAILABLE)", async () => {
    const foreign = await token({ key: other.privateKey, header: { kid: other.kid } });
    const r = await check({ [URI]: foreign }, status(1));
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(r.errors[0]?.message).toContain("not signed by the credential's issuer");
    // The issuer's kid with another key's signature.
    const forged = await token({ key: other.privateKey, header: { kid: issuer.kid } });
    expect(codes(await check({ [URI]: forged }, status(1)))).toEqual(['STATUS_UNAVAILABLE']);
    // alg none never reaches a key.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'statuslist+jwt' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: URI, iat: iatOf(NOW), status_list: { bits: 2, lst: lst() } }),
    ).toString('base64url')}.`;
    expect(codes(await check({ [URI]: none }, status(1)))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('refuses an expired token, one past its ttl, and one older than the maximum age (STATUS_UNAVAILABLE)', async () => {
    const expired = await token(signer, { exp: iatOf(NOW) - 120 });
    expect((await check({ [URI]: expired }, status(1))).errors[0]?.message).toContain('expired');
    const pastTtl = await token(signer, { iat: iatOf(NOW) - 7200, exp: iatOf(NOW) + 3600, ttl: 600 });
    expect((await check({ [URI]: pastTtl }, status(1))).errors[0]?.message).toContain('ttl');
    const fresh = await token(signer, { iat: iatOf(NOW) - 600, exp: undefined, ttl: undefined });
    expect(codes(await check({ [URI]: fresh }, status(1)))).toEqual([]);
    expect((await check({ [URI]: fresh }, status(1), { maxAgeMs: 300_000 })).errors[0]?.message).toContain('older than');
    expect(codes(await check({ [URI]: await token(signer, { ttl: -5 }) }, status(1)))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('fails without a source for the token, or when the source has none (STATUS_UNAVAILABLE)', async () => {
    expect(codes(await check(undefined, status(1)))).toEqual(['STATUS_UNAVAILABLE']);
    expect(codes(await check({ 'https://status.example.org/other': await token(signer) }, status(1)))).toEqual(['STATUS_UNAVAILABLE']);
    const failing = createContext({ now: NOW, status: { provider: { get: () => Promise.reject(new Error('offline')) } } }, nodeCrypto);
    const r = await checkTokenStatus(failing, status(1), issuer.did, { required: false, statusUrls: new Set(), parallel: false });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(r.errors[0]?.message).toContain('offline');
  });

  it('asks a provider only for public https URLs (the did:web rule)', async () => {
    const asked: string[] = [];
    const ctx = createContext(
      {
        now: NOW,
        status: {
          provider: {
            get: (url) => {
              asked.push(url);
              return undefined;
            },
          },
        },
      },
      nodeCrypto,
    );
    const r = await checkTokenStatus(ctx, status(1, 'http://127.0.0.1/token/1'), issuer.did, {
      required: false,
      statusUrls: new Set(),
      parallel: false,
    });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(asked).toEqual([]);
  });

  it("warns instead under onUnavailable 'warn'; REVOKED stays an error", async () => {
    const warn: VerifyOptions = { status: { onUnavailable: 'warn' } };
    const r = await check(undefined, status(1), {}, warn);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
    const lists = { [URI]: await token(signer, { status_list: { bits: 2, lst: lst({ 1: 1, 2: 3 }) } }) };
    expect(codes(await check(lists, status(1), {}, warn))).toEqual(['REVOKED']);
    expect((await check(lists, status(2), {}, warn)).warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('requires a status claim when status is required, even in warn mode', async () => {
    expect(codes(await check(undefined, undefined, { required: true }))).toEqual(['STATUS_UNAVAILABLE']);
    expect(codes(await check(undefined, undefined))).toEqual([]);
    const other = { identifier_list: { id: '1', uri: URI } };
    expect(codes(await check(undefined, other, { required: true }, { status: { onUnavailable: 'warn' } }))).toEqual(['STATUS_UNAVAILABLE']);
    expect((await check(undefined, other, {}, { status: { onUnavailable: 'warn' } })).warnings).toHaveLength(1);
  });

  it('reads a token again when its source changes (a revocation is seen at once)', async () => {
    const lists = new Map<string, StatusListSource>([[URI, await token(signer)]]);
    const ctx = createContext({ now: NOW, status: { lists } }, nodeCrypto);
    const options = () => ({ required: false, statusUrls: new Set<string>(), parallel: false });
    expect(codes(await checkTokenStatus(ctx, status(4), issuer.did, options()))).toEqual([]);
    expect(codes(await checkTokenStatus(ctx, status(4), issuer.did, options()))).toEqual([]);
    lists.set(URI, await token(signer, { status_list: { bits: 2, lst: lst({ 4: 1 }) } }));
    expect(codes(await checkTokenStatus(ctx, status(4), issuer.did, options()))).toEqual(['REVOKED']);
    // Cached under one issuer, the token is not taken for another's.
    expect(codes(await checkTokenStatus(ctx, status(5), other.did, options()))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('counts token URIs against the per-call budget shared with Bitstring lists (LIMIT_EXCEEDED)', async () => {
    const statusUrls = new Set(Array.from({ length: 32 }, (_, i) => `https://status.example.org/bitstring/${i}`));
    const r = await check({ [URI]: await token(signer) }, status(1), { statusUrls });
    expect(codes(r)).toEqual(['LIMIT_EXCEEDED']);
  });

  describe('issuers with x5c and recognition lists', () => {
    const dir = new URL('./fixtures/x509/', import.meta.url);
    const pem = (name: string) => readFileSync(new URL(`${name}.pem`, dir), 'utf8');
    const der = (name: string) => new X509Certificate(pem(name)).raw.toString('base64');
    const ISS = 'https://issuer.example.org';
    const at = new Date(Date.parse(new X509Certificate(pem('leaf-ed25519')).validFrom) + 86_400_000);
    let anchor: TestKey;
    beforeAll(() => {
      anchor = didKey();
    });

    async function checkWithList(entries: unknown[], t: string, iss = ISS) {
      const ctx = createContext(
        {
          now: at,
          policy: { anchors: [anchor.did] },
          recognitionLists: [await recognitionListJwt(anchor, entries)],
          status: { lists: { [URI]: t } },
        },
        nodeCrypto,
      );
      const recognition = await recognitionState(ctx);
      return checkTokenStatus(ctx, status(1), iss, { recognition, required: false, statusUrls: new Set(), parallel: false });
    }
    const x5cToken = (name: string, values: Record<number, number> = {}) =>
      token(
        { key: createPrivateKey(pem(`${name}.key`)), header: { x5c: [der(name), der('ca-ed25519')] } },
        { iat: iatOf(at) - 60, exp: iatOf(at) + 3600, status_list: { bits: 2, lst: lst(values) } },
      );
    const pinned = [
      {
        id: ISS,
        country: 'TT',
        name: 'Issuer',
        credentialTypes: ['*'],
        assuranceLevel: 'high',
        x509: { certificates: [der('ca-ed25519')] },
      },
    ];

    it('verifies a token whose x5c chains to the pins of the credential issuer', async () => {
      expect(codes(await checkWithList(pinned, await x5cToken('leaf-ed25519', { 1: 1 })))).toEqual(['REVOKED']);
    });

    it('refuses a token whose x5c chains elsewhere (STATUS_UNAVAILABLE)', async () => {
      const foreign = await token(
        { key: createPrivateKey(pem('other-leaf.key')), header: { x5c: [der('other-leaf'), der('other-ca')] } },
        { iat: iatOf(at) - 60, exp: iatOf(at) + 3600 },
      );
      const r = await checkWithList(pinned, foreign);
      expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
      expect(r.errors[0]?.message).toContain('not anchored');
    });

    it('refuses a token signed by a key a recognition list revokes (STATUS_UNAVAILABLE)', async () => {
      const leafJwk = new X509Certificate(pem('leaf-ed25519')).publicKey.export({ format: 'jwk' });
      const entries = [
        ...pinned,
        { ...pinned[0], id: 'https://old.example.org', x509: undefined, keys: [{ ...leafJwk, kid: 'k', revoked: true }] },
      ];
      const r = await checkWithList(entries, await x5cToken('leaf-ed25519'));
      expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
      expect(r.errors[0]?.message).toContain('revoked');
    });

    it("refuses a token whose signer's key period had not begun at its iat (STATUS_UNAVAILABLE)", async () => {
      const later = [{ ...pinned[0], validFrom: new Date(at.getTime() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') }];
      const r = await checkWithList(later, await x5cToken('leaf-ed25519'));
      expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
      expect(r.errors[0]?.message).toContain('not recognised');
    });
  });
});
