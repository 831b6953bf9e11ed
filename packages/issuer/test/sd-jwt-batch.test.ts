// dc+sd-jwt credentials from registry extracts, and re-emission of a lost SD-JWT VC.
// Threats: a record whose holder cannot be bound issued without cnf (or failing the
// whole batch), a resumed run that re-signs other content under an old id and status
// index, a re-emission that changes what the credential says.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Issuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('sd-jwt-batch'));
});
afterAll(() => closeTempIssuer(issuer, dir));

function payloadOf(sdJwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(sdJwt.split('.')[1] as string, 'base64url').toString());
}

async function claimsOf(sdJwt: string): Promise<Record<string, unknown>> {
  const result = await verifyCredential(sdJwt, { status: { onUnavailable: 'warn' } });
  expect(result.verified).toBe(true);
  return (result as { claims: Record<string, unknown> }).claims;
}

describe('re-emission of dc+sd-jwt', () => {
  it('signs the same content again with new salts: same id, status entry, iat and claims', async () => {
    const request = {
      format: 'dc+sd-jwt' as const,
      id: 'urn:uuid:4b0b4d1e-8a55-4b0f-9f61-3c1b0e8e5a01',
      type: 'NationalIdCredential',
      credentialSubject: { id: HOLDER, given_name: 'Ana', birthdate: '1990-05-17', address: { locality: 'Arima' } },
      status: ['revocation', 'suspension'] as Array<'revocation' | 'suspension'>,
    };
    const issued = await issuer.issue(request);
    await expect(issuer.issue(request)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const again = await issuer.reemit(request);
    expect(again.jwt).not.toBe(issued.jwt);
    expect(again).toMatchObject({ id: issued.id, format: 'dc+sd-jwt', statusList: issued.statusList, disclosable: issued.disclosable });
    const [before, after] = [payloadOf(issued.jwt), payloadOf(again.jwt)];
    for (const claim of ['iss', 'iat', 'vct', 'cnf', 'status', '_sd_alg']) expect(after[claim], claim).toEqual(before[claim]);
    expect(await claimsOf(again.jwt)).toEqual(await claimsOf(issued.jwt));
    expect((await issuer.getIssued(issued.id)).reemissions).toBe(1);
    // Other content, other disclosable claims, other status purposes: refused, nothing signed.
    for (const other of [
      { ...request, credentialSubject: { ...request.credentialSubject, given_name: 'Anna' } },
      { ...request, disclose: ['/given_name'] },
      { ...request, status: ['revocation'] as Array<'revocation' | 'suspension'> },
      { ...request, vct: 'urn:eudi:pid:1' },
      { ...request, format: 'vc+jwt' as const },
    ])
      await expect(issuer.reemit(other)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((await issuer.getIssued(issued.id)).reemissions).toBe(1);
  });
});

describe('issueBatch with format dc+sd-jwt', () => {
  it('issues every valid record bound to its subjectId, lists the ones it cannot bind, and a resumed run re-emits what --out lacks', async () => {
    const text = [
      { recordKey: 'r1', subjectId: HOLDER, given_name: 'Ana', birthdate: '2001-02-03' },
      { recordKey: 'r2', given_name: 'Ben' },
      { recordKey: 'r3', subjectId: 'did:web:holder.example', given_name: 'Cy' },
      { recordKey: 'r4', subjectId: HOLDER, given_name: 'Di', _sd: ['x'] },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const output = join(dir, 'issued.jsonl');
    const options = { type: 'NationalIdCredential', format: 'dc+sd-jwt' as const, status: ['revocation' as const], outputPath: output };
    const first = await issuer.issueBatch({ text, format: 'jsonl' }, options);
    expect(first).toMatchObject({ total: 2, issued: 2, invalidCount: 2 });
    expect(first.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
      [3, 'INVALID_ARGUMENT', '/credentialSubject/id'],
      [4, 'INVALID_ARGUMENT', '/credentialSubject/_sd'],
    ]);
    const lines = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; id: string; format: string; jwt: string });
    expect(lines.map((l) => [l.line, l.format])).toEqual([
      [1, 'dc+sd-jwt'],
      [2, 'dc+sd-jwt'],
    ]);
    const [ana, ben] = lines as [(typeof lines)[0], (typeof lines)[0]];
    expect(payloadOf(ana.jwt).cnf).toEqual({ jwk: expect.objectContaining({ crv: 'Ed25519' }) });
    expect(payloadOf(ben.jwt).cnf).toBeUndefined();
    expect(await claimsOf(ana.jwt)).toMatchObject({ given_name: 'Ana', age_over_18: true });
    const indexes = lines.map((l) => (payloadOf(l.jwt).status as { status_list: { idx: number } }).status_list.idx);
    expect(new Set(indexes).size).toBe(2);

    // A run that died after its commit but before delivery: the output lost Ben's line.
    writeFileSync(output, `${JSON.stringify(ana)}\n`);
    const resumed = await issuer.issueBatch({ text, format: 'jsonl' }, options);
    expect(resumed).toMatchObject({ issued: 0, skipped: 2, reemitted: 1 });
    const redelivered = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; jwt: string });
    expect(redelivered.map((l) => l.id)).toEqual([ana.id, ben.id]);
    expect(await claimsOf(redelivered[1]?.jwt as string)).toEqual(await claimsOf(ben.jwt));

    // The same keys with other claims are refused, never signed.
    const changed = text.replace('"Ben"', '"Benjamin"');
    const refused = await issuer.issueBatch({ text: changed, format: 'jsonl' }, { ...options, reemit: true });
    expect(refused.invalid.find((i) => i.line === 2)).toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('issues CSV rows, and refuses a document record as dc+sd-jwt', async () => {
    const csv = 'subjectId,given_name,nationality\n' + `${HOLDER},Ana,TT\n` + `${HOLDER},Ben,BB\n`;
    const delivered: string[] = [];
    const result = await issuer.issueBatch(
      { text: csv, format: 'csv' },
      { type: 'ResidencePermit', format: 'dc+sd-jwt', onIssued: (c) => void delivered.push(c.jwt) },
    );
    expect(result).toMatchObject({ issued: 2, invalidCount: 0 });
    for (const jwt of delivered) expect(payloadOf(jwt).vct).toBe('ResidencePermit');
    const document = JSON.stringify({
      credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { a: 1 } },
    });
    const doc = await issuer.issueBatch({ text: document, format: 'jsonl' }, { format: 'dc+sd-jwt' });
    expect(doc).toMatchObject({ issued: 0, invalidCount: 1 });
    expect(doc.invalid[0]).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/format' });
  });
});
