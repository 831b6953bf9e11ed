import { gzipSync } from 'node:zlib';
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, verifyCredential } from '../src/index.js';
import { didKey, jwtVc, NOW, type TestKey, vcJwt } from './helpers/producers.js';

const LIST_URL = 'https://registry.gov.tt/status/1';
const SUSPEND_URL = 'https://registry.gov.tt/status/s1';
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

/** A status list credential: bits set by @digitalbazaar/vc-bitstring-status-list, signed with jose. */
async function statusList(issuer: TestKey, purpose: string, set: number[], extra: Record<string, unknown> = {}, url = LIST_URL) {
  const list = await createList({ length: 131_072 });
  for (const i of set) list.setStatus(i, true);
  return new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    validFrom: '2026-05-01T00:00:00Z',
    validUntil: '2026-07-01T00:00:00Z',
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList: await list.encode() },
    ...extra,
  })
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt' })
    .sign(issuer.privateKey);
}

const entry = (index: number, purpose = 'revocation', url = LIST_URL) => ({
  id: `${url}#${index}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: purpose,
  statusListIndex: String(index),
  statusListCredential: url,
});

describe('Bitstring Status List checks', () => {
  let issuer: TestKey;
  let lists: Record<string, string>;
  beforeAll(async () => {
    issuer = didKey();
    lists = {
      [LIST_URL]: await statusList(issuer, 'revocation', [7, 94567]),
      [SUSPEND_URL]: await statusList(issuer, 'suspension', [12], {}, SUSPEND_URL),
    };
  });

  it('accepts a credential whose bit is clear', async () => {
    const r = await verifyCredential(await vcJwt(issuer, { credentialStatus: entry(8) }), { now: NOW, status: { lists } });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('reads an entry whose type is an array naming BitstringStatusListEntry (the same value in JSON-LD)', async () => {
    const typed = (index: number) => ({ ...entry(index), type: ['BitstringStatusListEntry'] });
    const clear = await verifyCredential(await vcJwt(issuer, { credentialStatus: typed(8) }), { now: NOW, status: { lists } });
    expect(clear.verified, JSON.stringify(clear)).toBe(true);
    const revoked = await verifyCredential(await vcJwt(issuer, { credentialStatus: typed(94567) }), { now: NOW, status: { lists } });
    expect(codes(revoked)).toEqual(['REVOKED']);
  });

  it('rejects a revoked credential (REVOKED)', async () => {
    const r = await verifyCredential(await vcJwt(issuer, { credentialStatus: entry(94567) }), { now: NOW, status: { lists } });
    expect(codes(r)).toEqual(['REVOKED']);
    if (!r.verified) expect(r.errors[0]?.path).toBe('/payload/credentialStatus');
  });

  it('rejects a suspended credential (SUSPENDED), with both entries checked', async () => {
    const r = await verifyCredential(await vcJwt(issuer, { credentialStatus: [entry(8), entry(12, 'suspension', SUSPEND_URL)] }), {
      now: NOW,
      status: { lists },
    });
    expect(codes(r)).toEqual(['SUSPENDED']);
  });

  it('checks jwt_vc credentials too', async () => {
    const jwt = await jwtVc(issuer, 'did:example:x', { vc: { credentialStatus: entry(7) } });
    expect(codes(await verifyCredential(jwt, { now: NOW, status: { lists } }))).toEqual(['REVOKED']);
  });

  it('fails closed when no list is available (STATUS_UNAVAILABLE), or warns if asked', async () => {
    const jwt = await vcJwt(issuer, { credentialStatus: entry(8) });
    expect(codes(await verifyCredential(jwt, { now: NOW }))).toEqual(['STATUS_UNAVAILABLE']);
    const r = await verifyCredential(jwt, { now: NOW, status: { onUnavailable: 'warn' } });
    expect(r.verified).toBe(true);
    if (r.verified) expect(r.warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('never warns away a revocation', async () => {
    const jwt = await vcJwt(issuer, { credentialStatus: entry(7) });
    expect(codes(await verifyCredential(jwt, { now: NOW, status: { lists, onUnavailable: 'warn' } }))).toEqual(['REVOKED']);
  });

  it('rejects a status list signed by another issuer (STATUS_UNAVAILABLE)', async () => {
    const forged = { [LIST_URL]: await statusList(didKey(), 'revocation', []) };
    expect(
      codes(await verifyCredential(await vcJwt(issuer, { credentialStatus: entry(7) }), { now: NOW, status: { lists: forged } })),
    ).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('rejects a tampered status list (STATUS_UNAVAILABLE)', async () => {
    const [h, p, s] = (lists[LIST_URL] as string).split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    const clean = await createList({ length: 131_072 });
    payload.credentialSubject.encodedList = await clean.encode();
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(
      codes(
        await verifyCredential(await vcJwt(issuer, { credentialStatus: entry(7) }), {
          now: NOW,
          status: { lists: { [LIST_URL]: tampered } },
        }),
      ),
    ).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('rejects a stale list: past its validUntil, or older than maxAgeSeconds', async () => {
    const jwt = await vcJwt(issuer, { credentialStatus: entry(8) });
    expect(codes(await verifyCredential(jwt, { now: '2026-08-01T00:00:00Z', status: { lists } }))).toEqual(['STATUS_UNAVAILABLE']);
    expect(codes(await verifyCredential(jwt, { now: NOW, status: { lists, maxAgeSeconds: 86_400 } }))).toEqual(['STATUS_UNAVAILABLE']);
    expect((await verifyCredential(jwt, { now: NOW, status: { lists, maxAgeSeconds: 40 * 86_400 } })).verified).toBe(true);
  });

  it('rejects a list whose purpose does not match the entry', async () => {
    const jwt = await vcJwt(issuer, { credentialStatus: entry(8, 'suspension') });
    expect(codes(await verifyCredential(jwt, { now: NOW, status: { lists } }))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('stops a GZIP bomb (LIMIT_EXCEEDED)', async () => {
    const bomb = `u${gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64url')}`;
    const list = await new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: issuer.did,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: bomb },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid, typ: 'vc+jwt' })
      .sign(issuer.privateKey);
    const r = await verifyCredential(await vcJwt(issuer, { credentialStatus: entry(8) }), {
      now: NOW,
      status: { lists: { [LIST_URL]: list } },
      limits: { maxInputLength: 1024 * 1024 },
    });
    expect(codes(r)).toEqual(['LIMIT_EXCEEDED']);
  });

  it('rejects malformed entries (MALFORMED) and unknown status types (STATUS_UNAVAILABLE)', async () => {
    for (const bad of [
      { ...entry(1), statusListIndex: '-1' },
      { ...entry(1), statusListIndex: 5 },
      { ...entry(1), statusListCredential: undefined },
      'x',
    ]) {
      expect(codes(await verifyCredential(await vcJwt(issuer, { credentialStatus: bad }), { now: NOW, status: { lists } }))).toEqual([
        'MALFORMED',
      ]);
    }
    expect(
      codes(
        await verifyCredential(await vcJwt(issuer, { credentialStatus: { ...entry(1), statusListIndex: '200000' } }), {
          now: NOW,
          status: { lists },
        }),
      ),
    ).toEqual(['MALFORMED']);
    expect(
      codes(
        await verifyCredential(await vcJwt(issuer, { credentialStatus: { ...entry(1), type: 'RevocationList2020Status' } }), {
          now: NOW,
          status: { lists },
        }),
      ),
    ).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('asks a caller-supplied provider, decodes each list once, and notices a new list', async () => {
    let served = lists[LIST_URL] as string;
    let calls = 0;
    const verifier = createVerifier({
      now: NOW,
      status: {
        provider: {
          get: async () => {
            calls++;
            return served;
          },
        },
      },
    });
    const revoked = await vcJwt(issuer, { credentialStatus: entry(7) });
    expect(codes(await verifier.verifyCredential(revoked))).toEqual(['REVOKED']);
    expect(codes(await verifier.verifyCredential(revoked))).toEqual(['REVOKED']);
    expect(calls).toBe(2);
    served = await statusList(issuer, 'revocation', []);
    expect((await verifier.verifyCredential(revoked)).verified).toBe(true);
  });

  it('reports a provider failure as STATUS_UNAVAILABLE', async () => {
    const provider = {
      get: async () => {
        throw new Error('connection refused');
      },
    };
    expect(codes(await verifyCredential(await vcJwt(issuer, { credentialStatus: entry(7) }), { now: NOW, status: { provider } }))).toEqual([
      'STATUS_UNAVAILABLE',
    ]);
  });
});
