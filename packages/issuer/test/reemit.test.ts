import type { IssueRequest, Issuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer } from './helpers/temp-issuer.js';

let dir: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('reemit'));
});
afterAll(() => closeTempIssuer(issuer, dir));

const payload = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as {
    id: string;
    credentialSubject: { name: string };
    credentialStatus: { statusListIndex: string };
  };

describe('batch reemit', () => {
  it('refuses to sign changed record content under an old credential id, and logs every re-emission', async () => {
    const original =
      '{"recordKey":"citizen-1","subjectId":"did:example:asha","name":"Asha"}\n{"recordKey":"citizen-2","subjectId":"did:example:bo","name":"Bo"}';
    const first = await issuer.issueBatch({ text: original, format: 'jsonl' }, { type: 'NationalId', batchId: 'b1' });
    expect(first.issued).toBe(2);

    // The registry row now names Mallory: re-emission must not sign that under Asha's id and index.
    const changed =
      '{"recordKey":"citizen-1","subjectId":"did:example:mallory","name":"Mallory"}\n{"recordKey":"citizen-2","subjectId":"did:example:bo","name":"Bo"}';
    const signed: string[] = [];
    const refused = await issuer.issueBatch(
      { text: changed, format: 'jsonl' },
      { type: 'NationalId', reemit: true, onIssued: (c) => void signed.push(c.jwt) },
    );
    expect(refused.invalid).toEqual([
      expect.objectContaining({ line: 1, code: 'ALREADY_EXISTS', reason: expect.stringMatching(/other content/) }),
    ]);
    expect(refused).toMatchObject({ issued: 0, skipped: 1, reemitted: 1 });
    expect(signed.map((j) => payload(j).credentialSubject.name)).toEqual(['Bo']);

    // Without reemit, a changed record is refused as well instead of counted as done.
    const skipped = await issuer.issueBatch({ text: changed, format: 'jsonl' }, { type: 'NationalId' });
    expect(skipped.invalid.map((i) => [i.line, i.code])).toEqual([[1, 'ALREADY_EXISTS']]);

    // The same content re-emits: same id, status index; logged.
    const again: string[] = [];
    const ok = await issuer.issueBatch(
      { text: original, format: 'jsonl' },
      { type: 'NationalId', reemit: true, onIssued: (c) => void again.push(c.jwt) },
    );
    expect(ok).toMatchObject({ issued: 0, skipped: 2, reemitted: 2, invalid: [] });
    const log = await issuer.log({ batchId: 'b1' });
    const asha = log.find((l) => l.recordKey === 'citizen-1');
    const bo = log.find((l) => l.recordKey === 'citizen-2');
    expect(asha?.reemissions).toBe(1);
    expect(bo?.reemissions).toBe(2);
    const reAsha = again.map(payload).find((p) => p.credentialSubject.name === 'Asha');
    expect(reAsha?.id).toBe(asha?.credentialId);
    expect(reAsha?.credentialStatus.statusListIndex).toBe(String(asha?.status[0]?.index));
  });
});

describe('id collisions in a batch', () => {
  it('gives a record whose id exists under another record key a per-record ALREADY_EXISTS; the rest of its chunk is issued; a re-run is not stuck', async () => {
    await issuer.issue({ id: 'urn:example:taken-1', type: 'Permit', credentialSubject: { name: 'first' } });
    await issuer.issueBatch({ text: '{"recordKey":"other","id":"urn:example:taken-2","name":"x"}', format: 'jsonl' }, { type: 'Permit' });
    const text = [
      '{"recordKey":"c-a","name":"A"}',
      '{"recordKey":"c-b","id":"urn:example:taken-1","name":"B"}',
      '{"id":"urn:example:taken-2","name":"B2"}',
      '{"recordKey":"c-c","id":"urn:example:free-1","name":"C"}',
    ].join('\n');
    const run = await issuer.issueBatch({ text, format: 'jsonl' }, { type: 'Permit', transactionSize: 10 });
    expect(run.issued).toBe(2);
    expect(run.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
      [2, 'ALREADY_EXISTS', '/id'],
      [3, 'ALREADY_EXISTS', '/id'],
    ]);
    const rerun = await issuer.issueBatch({ text, format: 'jsonl' }, { type: 'Permit', transactionSize: 10 });
    expect(rerun).toMatchObject({ issued: 0, skipped: 2 });
    expect(rerun.invalid.map((i) => i.code)).toEqual(['ALREADY_EXISTS', 'ALREADY_EXISTS']);
  });
});

describe('single issuance re-emission', () => {
  it('re-emits a lost credential under its id when the request is the same, and says so in ALREADY_EXISTS', async () => {
    const request: IssueRequest = {
      id: 'urn:example:lost-1',
      type: 'BirthCertificate',
      credentialSubject: { id: 'did:example:child', name: 'Ana' },
      status: ['revocation', 'suspension'],
      validUntil: '2040-01-01T00:00:00Z',
    };
    const issued = await issuer.issue(request);
    const retry = await issuer.issue(request).catch((e: unknown) => e);
    expect(retry).toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringMatching(/reemit/) });

    const again = await issuer.reemit(request);
    expect(again.id).toBe(issued.id);
    expect(again.jwt).toBe(issued.jwt); // Ed25519 is deterministic: the very same credential
    expect((await issuer.getIssued(issued.id)).reemissions).toBe(1);

    for (const changed of [
      { ...request, credentialSubject: { id: 'did:example:mallory', name: 'Ana' } },
      { ...request, validUntil: '2050-01-01T00:00:00Z' },
      { ...request, status: ['revocation'] as Array<'revocation'> },
      { ...request, type: 'Other' },
      { ...request, format: 'jwt_vc' as const },
    ]) {
      await expect(issuer.reemit(changed)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    }
    expect((await issuer.getIssued(issued.id)).reemissions).toBe(1);
    await expect(issuer.reemit({ ...request, id: 'urn:example:never' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(issuer.reemit({ type: 'T', credentialSubject: { a: 1 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('re-emits jwt_vc credentials byte for byte (same iat, nbf, exp, jti)', async () => {
    const request: IssueRequest = {
      id: 'urn:example:jwtvc-1',
      format: 'jwt_vc',
      type: 'ResidencePermit',
      credentialSubject: { id: 'did:example:r', name: 'Ravi' },
      validFrom: '2026-06-01T00:00:00+02:00',
      validUntil: '2031-06-01T00:00:00Z',
    };
    const issued = await issuer.issue(request);
    expect((await issuer.reemit(request)).jwt).toBe(issued.jwt);
    await expect(issuer.reemit({ ...request, validFrom: '2026-06-01T00:00:00Z' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('finds the credential by recordKey too', async () => {
    const request: IssueRequest = { recordKey: 'app-77', type: 'Licence', credentialSubject: { name: 'Bo' } };
    const issued = await issuer.issue(request);
    await expect(issuer.issue(request)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const again = await issuer.reemit(request);
    expect(again.id).toBe(issued.id);
    expect(payload(again.jwt)).toEqual(payload(issued.jwt));
  });
});

describe('content digest', () => {
  it('is the digest of the canonical JSON (members sorted at every depth), whatever the member order', async () => {
    const { canonicalJson, canonicalStringify } = await import('../src/content-digest.js');
    const values: unknown[] = [
      { b: 1, a: [3, { d: null, c: 'é\u2028"' }], e: { z: true, y: -0.5e-7 } },
      [undefined, 1, 'x'],
      { skipped: undefined, kept: 'yes' },
      'plain',
      12,
      null,
    ];
    for (const v of values) expect(canonicalStringify(v)).toBe(JSON.stringify(canonicalJson(v)));
    expect(canonicalStringify({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalStringify({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
