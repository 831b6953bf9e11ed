// Status of SD-JWT VCs end to end: the credential's status.status_list checked against a
// Token Status List token (built with @sd-jwt/jwt-status-list, signed here) through
// verifyCredential and verifyPresentation.
import { StatusList } from '@sd-jwt/jwt-status-list';
import { describe, expect, it } from 'vitest';
import { verifyCredential, verifyPresentation } from '../src/index.js';
import { didKey, NOW } from './helpers/producers.js';
import { craft, digestOf, disclosure, jws, NOW_S, publicJwkOf, withKb } from './helpers/sd-jwt.js';

const URI = 'https://registry.example.lc/status/token/1';
const codes = (r: { verified: boolean; errors?: Array<{ code: string }> }) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));

const issuer = didKey();
const holder = didKey();

/** A signed status list token with these entries set (2 bits each). */
async function statusToken(values: Record<number, number>, signer = issuer): Promise<string> {
  const list = new StatusList(new Array<number>(131_072).fill(0), 2);
  for (const [i, v] of Object.entries(values)) list.setStatus(Number(i), v);
  return jws(
    signer,
    { alg: signer.alg, typ: 'statuslist+jwt', kid: signer.kid },
    { sub: URI, iat: NOW_S - 60, exp: NOW_S + 3600, status_list: { bits: 2, lst: list.compressStatusList() } },
  );
}

async function credential(idx: number | undefined) {
  const d = disclosure('age_over_18', true);
  return craft(
    issuer,
    {
      iss: issuer.did,
      vct: 'NationalIdCredential',
      iat: NOW_S - 600,
      cnf: { jwk: publicJwkOf(holder) },
      ...(idx === undefined ? {} : { status: { status_list: { idx, uri: URI } } }),
      _sd: [digestOf(d)],
    },
    [d],
  );
}

describe('SD-JWT VC status (Token Status List)', () => {
  it('verifies a valid entry, and reports REVOKED and SUSPENDED entries, for credentials and presentations', async () => {
    const lists = { [URI]: await statusToken({ 7: 1, 9: 2 }) };
    const ok = await verifyCredential(await credential(3), { now: NOW, status: { lists } });
    expect(ok.verified, JSON.stringify(ok)).toBe(true);
    expect(ok.checks).toContain('status');
    const revoked = await verifyCredential(await credential(7), { now: NOW, status: { lists } });
    expect(codes(revoked)).toEqual(['REVOKED']);
    expect(revoked.verified ? undefined : revoked.errors[0]?.path).toMatch(/^\/payload\/status/);
    expect(codes(await verifyCredential(await credential(9), { now: NOW, status: { lists } }))).toEqual(['SUSPENDED']);
    const presented = await withKb(await credential(7), holder);
    expect(codes(await verifyPresentation(presented, { now: NOW, status: { lists } }))).toEqual(['REVOKED']);
    expect((await verifyPresentation(await withKb(await credential(3), holder), { now: NOW, status: { lists } })).verified).toBe(true);
  });

  it('fails without the token (STATUS_UNAVAILABLE), or warns under onUnavailable warn', async () => {
    const sdJwt = await credential(3);
    expect(codes(await verifyCredential(sdJwt, { now: NOW }))).toEqual(['STATUS_UNAVAILABLE']);
    const warned = await verifyCredential(sdJwt, { now: NOW, status: { onUnavailable: 'warn' } });
    expect(warned.verified).toBe(true);
    if (warned.verified) expect(warned.warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it("refuses a token signed by someone other than the credential's issuer", async () => {
    const lists = { [URI]: await statusToken({}, didKey()) };
    expect(codes(await verifyCredential(await credential(3), { now: NOW, status: { lists } }))).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('requires a status claim when the policy requires status', async () => {
    const policy = { trustedIssuers: [issuer.did], status: { required: true } };
    const r = await verifyCredential(await credential(undefined), { now: NOW, policy });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(r.checks).toContain('status');
    const lists = { [URI]: await statusToken({}) };
    expect((await verifyCredential(await credential(3), { now: NOW, policy, status: { lists } })).verified).toBe(true);
  });
});
