import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer, TEST_KDF } from './helpers/temp-issuer.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const V1 = 'https://www.w3.org/2018/credentials/v1';
const STATUS_V1 = 'https://www.w3.org/ns/credentials/status/v1';
const BASE = 'https://registry.gov.example/status';
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const CHILD = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';

let dir: string;
let issuer: Issuer;
let did: string;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('document'));
  did = issuer.defaultDid as string;
});
afterAll(() => closeTempIssuer(issuer, dir));

/** The JWS payload exactly as signed (its bytes as text), and parsed. */
function payloadOf(jwt: string): { text: string; json: Record<string, unknown> } {
  const text = Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8');
  return { text, json: JSON.parse(text) as Record<string, unknown> };
}

function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function lists(): Promise<Record<string, string>> {
  return Object.fromEntries((await issuer.statusListCredentials()).map((l) => [l.url, l.jwt]));
}

/** What the database holds: log rows and allocated status indexes. */
async function footprint(): Promise<{ logged: number; allocated: number }> {
  const q = (sql: string) => issuer.agent.query(sql) as Promise<Array<{ n: number | null }>>;
  const [logged] = await q(`SELECT COUNT(*) AS n FROM "tw_issuance_log"`);
  const [allocated] = await q(`SELECT COUNT(*) AS n FROM "tw_status_entry"`);
  return { logged: Number(logged?.n ?? 0), allocated: Number(allocated?.n ?? 0) };
}

/** A national ID credential as an agency's scheme writes it (VCDM 2.0). */
function nationalId(): Record<string, unknown> {
  return {
    '@context': [V2, { nid: 'https://id.gov.example/vocab#', NationalIdCredential: 'nid:NationalIdCredential' }],
    type: ['VerifiableCredential', 'NationalIdCredential'],
    name: [
      { '@value': 'National identity card', '@language': 'en' },
      { '@value': "Carte nationale d'identité", '@language': 'fr' },
    ],
    description: 'Identity of a citizen, as recorded by the civil registry.',
    issuer: { id: did, name: [{ '@value': 'Civil Registry', '@language': 'en' }], url: 'https://registry.gov.example' },
    validFrom: '2026-03-01T09:30:00.250+05:00',
    validUntil: '2036-03-01T09:30:00+05:00',
    credentialSubject: [
      { id: HOLDER, givenName: 'Ana', familyName: 'Joseph', birthDate: '1990-04-01' },
      { id: CHILD, givenName: 'Léa', familyName: 'Joseph', relation: 'minor dependant' },
    ],
    evidence: [
      {
        id: 'https://registry.gov.example/evidence/f2aeec97',
        type: ['DocumentVerification'],
        verifier: 'https://registry.gov.example/officers/42',
        evidenceDocument: 'BirthCertificate',
        subjectPresence: 'Physical',
        documentPresence: 'Physical',
      },
    ],
    termsOfUse: [
      { type: 'IssuerPolicy', id: 'https://registry.gov.example/policies/id-card', profile: 'https://registry.gov.example/p/1' },
    ],
    refreshService: { id: 'https://registry.gov.example/refresh/3732', type: 'ManualRefreshService2026' },
    relatedResource: [
      {
        id: 'https://registry.gov.example/photos/3732.jpg',
        mediaType: 'image/jpeg',
        digestSRI: 'sha384-lL6RGqY0ylsXKPH7G1EJeDQkzM9aMdw5Ohe0s6x1wr0vQTSEUjVnrY0ZxM2tZ6pW',
      },
      { id: 'https://registry.gov.example/schemes/id.json', digestMultibase: 'uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA' },
    ],
    credentialStatus: {
      id: 'https://passports.gov.example/status/7#4021',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '4021',
      statusListCredential: 'https://passports.gov.example/status/7',
    },
  };
}

/** A VCDM 1.1 credential. */
function birthCertificate(): Record<string, unknown> {
  return {
    '@context': [V1, { bc: 'https://registry.gov.example/birth#' }],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'BirthCertificate'],
    issuer: { id: did, name: 'Civil Registry' },
    issuanceDate: '2026-02-03T10:05:06.500+05:00',
    expirationDate: '2046-02-03T04:05:06Z',
    credentialSubject: { id: HOLDER, name: 'Ana Joseph', birthPlace: { city: 'Roseau', country: 'DM' } },
  };
}

async function refusal(request: unknown): Promise<TradewindError> {
  const error = await issuer.issue(request as never).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the request was issued').toBeInstanceOf(TradewindError);
  return error as TradewindError;
}

describe('issue({ credential }) — vc+jwt', () => {
  it('signs every member of the document as given, byte for byte, and appends only what the issuer manages', async () => {
    const document = nationalId();
    const issued = await issuer.issue({ credential: document, status: ['revocation', 'suspension'] });
    expect(issued.format).toBe('vc+jwt');
    expect(headerOf(issued.jwt)).toMatchObject({ typ: 'vc+jwt', kid: expect.stringContaining(did) });

    // Expected: the caller's members in their order; credentialStatus becomes the caller's
    // entry followed by the two allocated ones; id (absent) appended last.
    const expected = { ...document, credentialStatus: [document.credentialStatus, ...issued.status], id: issued.id };
    const { text, json } = payloadOf(issued.jwt);
    expect(text).toBe(JSON.stringify(expected));
    expect(JSON.stringify(issued.credential)).toBe(text);
    expect(json.validFrom).toBe('2026-03-01T09:30:00.250+05:00');
    expect(json.validUntil).toBe('2036-03-01T09:30:00+05:00');
    expect(issued.id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(issued.status.map((s) => s.statusPurpose)).toEqual(['revocation', 'suspension']);
    for (const s of issued.status) expect(s.statusListCredential).toMatch(new RegExp(`^${BASE}/\\d+$`));

    // A real signature @tradewind/verifier accepts; the other agency's list is not at hand (warn).
    const options = { status: { lists: await lists(), onUnavailable: 'warn' as const } };
    const result = await verifyCredential(issued.jwt, options);
    expect(result.errors ?? []).toEqual([]);
    expect(result.verified).toBe(true);
    // Only the other agency's list was missing: this issuer's two entries were checked.
    expect(result.warnings?.map((w) => w.path)).toEqual(['/payload/credentialStatus/0']);
    // The allocated entries are live: revoking shows through the published list.
    await issuer.revoke(issued.id);
    const revoked = await verifyCredential(issued.jwt, { ...options, status: { ...options.status, lists: await lists() } });
    expect(revoked.verified).toBe(false);
    expect(revoked.errors?.map((e) => e.code)).toContain('REVOKED');

    const logged = await issuer.getIssued(issued.id);
    expect(logged).toMatchObject({
      issuer: did,
      types: ['VerifiableCredential', 'NationalIdCredential'],
      validFrom: '2026-03-01T09:30:00.250+05:00',
      validUntil: '2036-03-01T09:30:00+05:00',
    });
    // Two subjects: no single subject id to log.
    expect(logged.subjectId).toBeUndefined();
  });

  it('adds id, the default issuer DID and validFrom (now, whole seconds, UTC) after the caller members when absent', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const issued = await issuer.issue({
      credential: { '@context': [V2], type: ['VerifiableCredential', 'ResidencePermit'], credentialSubject: { id: HOLDER, zone: 'A' } },
    });
    const after = Date.now();
    const { json } = payloadOf(issued.jwt);
    expect(Object.keys(json)).toEqual(['@context', 'type', 'credentialSubject', 'id', 'issuer', 'validFrom', 'credentialStatus']);
    expect(json.issuer).toBe(did);
    expect(json.id).toBe(issued.id);
    expect(json.validFrom).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const start = Date.parse(json.validFrom as string);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(after);
    // Default status: one revocation entry, written as a single object.
    expect(json.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect((await issuer.getIssued(issued.id)).subjectId).toBe(HOLDER);
  });

  it('keeps a given id, an issuer object with its name, and adds no status with status: []', async () => {
    const other = await issuer.createDid({ keyType: 'P-256' });
    const id = `https://registry.gov.example/credentials/${crypto.randomUUID()}`;
    const credential = {
      '@context': [V2],
      id,
      type: ['VerifiableCredential', 'VoterCard'],
      issuer: { id: other.did, name: 'Electoral Office', description: 'Electoral office of the registry' },
      credentialSubject: { id: HOLDER, district: '7' },
      validFrom: '2026-01-01T00:00:00Z',
    };
    const issued = await issuer.issue({ credential, status: [], format: 'vc+jwt' });
    const { text } = payloadOf(issued.jwt);
    expect(text).toBe(JSON.stringify(credential));
    expect(issued).toMatchObject({ id, issuer: other.did, status: [] });
    expect(headerOf(issued.jwt)).toMatchObject({ alg: 'ES256', kid: other.verificationMethod });
    const result = await verifyCredential(issued.jwt, { now: '2027-01-01T00:00:00Z' });
    expect(result.errors ?? []).toEqual([]);
    expect(result.verified).toBe(true);
  });
});

describe('issue({ credential }) — jwt_vc', () => {
  it('puts the VCDM 1.1 document in vc exactly, with iss, jti, sub, nbf, exp and iat agreeing with it', async () => {
    const document = birthCertificate();
    const issued = await issuer.issue({ credential: document });
    expect(issued.format).toBe('jwt_vc');
    expect(headerOf(issued.jwt)).toMatchObject({ typ: 'JWT' });
    const { json } = payloadOf(issued.jwt);
    expect(Object.keys(json)).toEqual(['iss', 'jti', 'sub', 'nbf', 'exp', 'iat', 'vc']);
    expect(json).toMatchObject({
      iss: did,
      jti: document.id,
      sub: HOLDER,
      nbf: Math.floor(Date.parse('2026-02-03T05:05:06.500Z') / 1000),
      exp: Math.floor(Date.parse('2046-02-03T04:05:06Z') / 1000),
    });
    expect(typeof json.iat).toBe('number');
    // The status entry brings the Bitstring Status List context VCDM 1.1 lacks; nothing else changes.
    const expected = {
      ...document,
      '@context': [...(document['@context'] as unknown[]), STATUS_V1],
      credentialStatus: issued.status[0],
    };
    expect(JSON.stringify(json.vc)).toBe(JSON.stringify(expected));

    const ours = await verifyCredential(issued.jwt, { status: { lists: await lists() } });
    expect(ours.errors ?? []).toEqual([]);
    expect(ours.verified).toBe(true);
    expect(ours.format).toBe('jwt_vc');
    const veramo = await issuer.agent.veramo.verifyCredential({ credential: issued.jwt });
    expect(veramo.error).toBeUndefined();
    expect(veramo.verified).toBe(true);
  });

  it('has no sub for several subjects, and no exp without expirationDate', async () => {
    const document = {
      '@context': [V1, STATUS_V1],
      type: ['VerifiableCredential', 'FamilyRecord'],
      issuer: did,
      issuanceDate: '2026-02-03T04:05:06Z',
      credentialSubject: [
        { id: HOLDER, role: 'parent' },
        { id: CHILD, role: 'child' },
      ],
    };
    const issued = await issuer.issue({ credential: document, format: 'jwt_vc' });
    const { json } = payloadOf(issued.jwt);
    expect(json.sub).toBeUndefined();
    expect(json.exp).toBeUndefined();
    expect(json.nbf).toBe(Date.parse('2026-02-03T04:05:06Z') / 1000);
    expect((json.vc as Record<string, unknown>)['@context']).toEqual([V1, STATUS_V1]);
    expect((json.vc as Record<string, unknown>).credentialSubject).toEqual(document.credentialSubject);
    const ours = await verifyCredential(issued.jwt, { status: { lists: await lists() } });
    expect(ours.errors ?? []).toEqual([]);
    expect(ours.verified).toBe(true);
  });
});

describe('issue({ credential }) — refusals', () => {
  const v2 = (extra: Record<string, unknown>) => ({
    '@context': [V2],
    type: ['VerifiableCredential', 'NationalIdCredential'],
    credentialSubject: { id: HOLDER, givenName: 'Ana' },
    ...extra,
  });

  it('refuses each problem with its code and path, and logs or allocates nothing', async () => {
    const start = await footprint();
    const cases: Array<[string, unknown, string, string]> = [
      ['a DID of another database', { credential: v2({ issuer: HOLDER }) }, 'NOT_FOUND', '/credential/issuer'],
      ['an issuer object of another DID', { credential: v2({ issuer: { id: HOLDER, name: 'X' } }) }, 'NOT_FOUND', '/credential/issuer/id'],
      [
        'an issuer that is no DID',
        { credential: v2({ issuer: 'https://registry.gov.example' }) },
        'INVALID_ARGUMENT',
        '/credential/issuer',
      ],
      ['a proof', { credential: v2({ proof: { type: 'DataIntegrityProof' } }) }, 'INVALID_ARGUMENT', '/credential/proof'],
      ['a 2.0 document as jwt_vc', { credential: v2({}), format: 'jwt_vc' }, 'INVALID_ARGUMENT', '/format'],
      ['a 1.1 document as vc+jwt', { credential: birthCertificate(), format: 'vc+jwt' }, 'INVALID_ARGUMENT', '/format'],
      ['an unknown format', { credential: v2({}), format: 'ldp_vc' }, 'INVALID_ARGUMENT', '/format'],
      ['no known first @context', { credential: v2({ '@context': ['https://example.org/ctx'] }) }, 'MALFORMED', '/credential/@context'],
      ['no VerifiableCredential type', { credential: v2({ type: ['NationalIdCredential'] }) }, 'MALFORMED', '/credential/type'],
      ['id null', { credential: v2({ id: null }) }, 'MALFORMED', '/credential/id'],
      ['issuer null', { credential: v2({ issuer: null }) }, 'MALFORMED', '/credential/issuer'],
      ['an issuer object without id', { credential: v2({ issuer: { name: 'Registry' } }) }, 'MALFORMED', '/credential/issuer/id'],
      ['a date in words', { credential: v2({ validFrom: 'Sat 25 Feb 2023 07:16:31 PM CST' }) }, 'MALFORMED', '/credential/validFrom'],
      ['a date without offset', { credential: v2({ validUntil: '2030-01-01T00:00:00' }) }, 'MALFORMED', '/credential/validUntil'],
      ['Feb 30', { credential: { ...birthCertificate(), issuanceDate: '2026-02-30T00:00:00Z' } }, 'MALFORMED', '/credential/issuanceDate'],
      [
        'an entry into this issuer own list',
        {
          credential: v2({
            credentialStatus: {
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: '5',
              statusListCredential: `${BASE}/1`,
            },
          }),
        },
        'INVALID_ARGUMENT',
        '/credential/credentialStatus/statusListCredential',
      ],
      [
        'an entry id into this issuer own list',
        {
          credential: v2({
            credentialStatus: [
              { id: 'https://other.example/s#1', type: 'X' },
              { id: `${BASE}/3#7`, type: 'Y' },
            ],
          }),
        },
        'INVALID_ARGUMENT',
        '/credential/credentialStatus/1/id',
      ],
      [
        'a malformed caller entry',
        {
          credential: v2({
            credentialStatus: {
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: 5,
              statusListCredential: 'https://other.gov.example/status/1',
            },
          }),
        },
        'MALFORMED',
        '/credential/credentialStatus/statusListIndex',
      ],
      [
        '__proto__ inside',
        { credential: JSON.parse(`{"@context":["${V2}"],"evidence":{"__proto__":{"x":1}}}`) },
        'MALFORMED',
        '/credential/evidence/__proto__',
      ],
      [
        'constructor deep inside',
        { credential: v2({ credentialSubject: { a: [{ constructor: 1 }] } }) },
        'MALFORMED',
        '/credential/credentialSubject/a/0/constructor',
      ],
      ['a member beside credential', { credential: v2({}), type: 'NationalIdCredential' }, 'INVALID_ARGUMENT', '/type'],
      ['a credential that is no object', { credential: 'eyJ...' }, 'INVALID_ARGUMENT', '/credential'],
      ['a bad status purpose', { credential: v2({}), status: ['refresh'] }, 'INVALID_ARGUMENT', '/status'],
      ['too long', { credential: v2({ description: 'x'.repeat(200_000) }) }, 'LIMIT_EXCEEDED', '/credential'],
    ];
    for (const [what, request, code, path] of cases) {
      const error = await refusal(request);
      expect([error.code, error.path], `${what}: ${error.message}`).toEqual([code, path]);
    }
    expect(await footprint()).toEqual(start);
  });

  it('refuses an entry into a list this database published under an earlier base URL, and jwt_vc dates before 1970', async () => {
    const { dir: otherDir, issuer: first, database } = await openTempIssuer('moved-lists');
    const old = await first.issue({ type: 'T', credentialSubject: { id: HOLDER, n: 1 } });
    await first.close();
    const moved = await openIssuer({
      database,
      secret: 'moved-lists',
      kdf: TEST_KDF,
      statusListBaseUrl: 'https://registry.gov.example/v2/status',
    });
    try {
      const oldList = old.status[0]?.statusListCredential as string;
      const credential = v2({
        credentialStatus: [
          { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: oldList },
        ],
      });
      const error = await moved.issue({ credential: { ...credential, issuer: moved.defaultDid } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/credential/credentialStatus/0/statusListCredential' });
      const batch = await moved.issueBatch({ text: JSON.stringify({ credential }), format: 'jsonl' }, {});
      expect(batch.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
        [1, 'INVALID_ARGUMENT', '/credential/credentialStatus/0/statusListCredential'],
      ]);
      expect(await moved.log()).toHaveLength(1);
    } finally {
      await closeTempIssuer(moved, otherDir);
    }

    const early = await refusal({ credential: { ...birthCertificate(), issuanceDate: '1969-12-31T23:59:59Z' } });
    expect([early.code, early.path]).toEqual(['INVALID_ARGUMENT', '/credential/issuanceDate']);
    const asV2 = await issuer.issue({ credential: v2({ validFrom: '1969-07-20T20:17:40Z' }), status: [] });
    expect(payloadOf(asV2.jwt).json.validFrom).toBe('1969-07-20T20:17:40Z');
  });

  it('names every data-model violation with its path in one MALFORMED error, with all of them in issues', async () => {
    const start = await footprint();
    const error = await refusal({
      credential: {
        '@context': [V2],
        id: null,
        type: ['NationalIdCredential'],
        issuer: did,
        validFrom: 'Sat 25 Feb 2023 07:16:31 PM CST',
        credentialSubject: { id: HOLDER },
      },
    });
    expect(error.code).toBe('MALFORMED');
    const issues = (error as TradewindError & { issues: Array<{ code: string; path: string }> }).issues;
    const paths = issues.map((i) => i.path);
    for (const p of ['/credential/id', '/credential/type', '/credential/validFrom']) {
      expect(paths).toContain(p);
      expect(error.message).toContain(p);
    }
    expect(issues.every((i) => i.code === 'MALFORMED')).toBe(true);
    expect(error.path).toBe(paths[0]);
    expect(await footprint()).toEqual(start);
  });

  it('cuts a long list of violations in the message, never in issues', async () => {
    const subjects = Array.from({ length: 200 }, (_, i) => ({
      id: HOLDER,
      [`c${i}`]: 1,
    }));
    const credentialStatus = Array.from({ length: 150 }, () => ({ type: 'BitstringStatusListEntry', statusPurpose: '' }));
    const error = await refusal({ credential: v2({ credentialSubject: subjects, credentialStatus }) });
    const issues = (error as TradewindError & { issues: unknown[] }).issues;
    expect(error.code).toBe('MALFORMED');
    expect(issues.length).toBeGreaterThanOrEqual(150 * 3);
    expect(error.message.length).toBeLessThan(2100);
    expect(error.message).toMatch(/and \d+ more/);
  });

  it('reads the document once: a getter cannot answer one thing to the checks and another to the signature', async () => {
    let reads = 0;
    const credential = v2({ status: undefined });
    Object.defineProperty(credential, 'issuer', {
      enumerable: true,
      get() {
        reads += 1;
        return reads === 1 ? did : HOLDER;
      },
    });
    delete (credential as Record<string, unknown>).status;
    const issued = await issuer.issue({ credential });
    expect(reads).toBe(1);
    expect(payloadOf(issued.jwt).json.issuer).toBe(did);
  });
});

describe('issueMany with documents', () => {
  it('issues documents and convenience requests in one transaction, and nothing when one of them is refused', async () => {
    const document = {
      '@context': [V1],
      type: ['VerifiableCredential', 'BirthCertificate'],
      credentialSubject: { id: HOLDER, name: 'Ana' },
    };
    const [a, b] = await issuer.issueMany([
      { credential: document, status: [] },
      { type: 'BirthCertificate', credentialSubject: { id: HOLDER, name: 'Ana' }, status: [] },
    ]);
    expect([a?.format, b?.format]).toEqual(['jwt_vc', 'vc+jwt']);
    const start = await footprint();
    await expect(
      issuer.issueMany([
        { credential: document },
        { credential: { ...document, credentialSubject: [] } },
        { type: 'BirthCertificate', credentialSubject: { id: HOLDER, name: 'Bo' } },
      ]),
    ).rejects.toMatchObject({ code: 'MALFORMED', path: '/credential/credentialSubject' });
    expect(await footprint()).toEqual(start);
  });
});

describe('the convenience shape builds a document', () => {
  it('keeps a date string exactly as given, and writes a Date in UTC with milliseconds only when there are some', async () => {
    const a = await issuer.issue({
      type: 'NationalIdCredential',
      credentialSubject: { id: HOLDER, n: 1 },
      validFrom: '2026-03-01T09:30:00.250+05:00',
      validUntil: '2030-01-01T00:00:00-04:00',
      status: [],
    });
    expect(payloadOf(a.jwt).json).toMatchObject({ validFrom: '2026-03-01T09:30:00.250+05:00', validUntil: '2030-01-01T00:00:00-04:00' });
    const b = await issuer.issue({
      type: 'NationalIdCredential',
      credentialSubject: { id: HOLDER, n: 2 },
      validFrom: new Date('2026-03-01T04:30:00.250Z'),
      validUntil: new Date('2030-01-01T04:00:00.000Z'),
      status: [],
    });
    expect(payloadOf(b.jwt).json).toMatchObject({ validFrom: '2026-03-01T04:30:00.250Z', validUntil: '2030-01-01T04:00:00Z' });
    const result = await verifyCredential(b.jwt, { now: '2027-01-01T00:00:00Z' });
    expect(result.verified).toBe(true);
  });
});

describe('reemit({ credential })', () => {
  it('signs the same document again as the very same credential, by id or by recordKey; other content is refused', async () => {
    const document = { ...nationalId(), id: `urn:uuid:${crypto.randomUUID()}` };
    const first = await issuer.issue({ credential: document, status: ['revocation'], recordKey: 'nid-reemit-1' });
    const again = await issuer.reemit({ credential: document, status: ['revocation'] });
    expect(again.jwt).toBe(first.jwt); // Ed25519: the same bytes signed
    const reordered = Object.fromEntries(Object.entries(document).reverse());
    const byKey = await issuer.reemit({ credential: reordered, recordKey: 'nid-reemit-1' });
    expect(byKey.id).toBe(first.id);
    expect(byKey.status).toEqual(first.status);
    expect((await issuer.getIssued(first.id)).reemissions).toBe(2);

    // Without an id, the recordKey names it; issuer, id and validFrom come from the log.
    const bare = { '@context': [V2], type: ['VerifiableCredential', 'ResidencePermit'], credentialSubject: { id: HOLDER, zone: 'B' } };
    const second = await issuer.issue({ credential: bare, recordKey: 'permit-2' });
    const reemitted = await issuer.reemit({ credential: bare, recordKey: 'permit-2' });
    expect(reemitted.jwt).toBe(second.jwt);

    await expect(issuer.issue({ credential: document, status: ['revocation'] })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(
      issuer.reemit({ credential: { ...document, description: 'another description' }, status: ['revocation'] }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(issuer.reemit({ credential: document, status: ['revocation', 'suspension'] })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await expect(issuer.reemit({ credential: { ...bare, zone: 'C' }, recordKey: 'permit-2' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await expect(issuer.reemit({ credential: bare })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: '/credential/id' });
    await expect(issuer.reemit({ credential: { ...bare, id: 'urn:uuid:00000000-0000-4000-8000-000000000000' } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('re-emits a convenience credential whose dates earlier versions wrote in UTC whole seconds', async () => {
    // As issued before dates were kept as written: validFrom in UTC, whole seconds.
    const issued = await issuer.issue({
      type: 'BirthCertificate',
      credentialSubject: { id: HOLDER, name: 'Ana' },
      validFrom: '2026-01-01T05:00:00Z',
      recordKey: 'legacy-dates-1',
    });
    const again = await issuer.reemit({
      type: 'BirthCertificate',
      credentialSubject: { id: HOLDER, name: 'Ana' },
      validFrom: '2026-01-01T10:00:00.400+05:00',
      recordKey: 'legacy-dates-1',
    });
    expect(again.jwt).toBe(issued.jwt);
  });
});

describe('issueBatch with documents', () => {
  it('issues JSONL document records beside convenience ones, and reports each invalid document by line, code and every path', async () => {
    const good2 = { ...nationalId(), id: `urn:uuid:${crypto.randomUUID()}` };
    const good1 = birthCertificate();
    const bare = { '@context': [V2], type: ['VerifiableCredential', 'ResidencePermit'], credentialSubject: { id: HOLDER, zone: 'Z' } };
    const lines = [
      JSON.stringify({ credential: good2, recordKey: 'doc-1' }), // 1
      JSON.stringify({ credential: good1 }), // 2
      JSON.stringify({ recordKey: 'plain-3', subjectId: HOLDER, givenName: 'Ana' }), // 3: convenience
      JSON.stringify({ credential: { ...bare, id: null, type: ['ResidencePermit'], validFrom: 'tomorrow' } }), // 4
      JSON.stringify({ credential: { ...bare, proof: { type: 'DataIntegrityProof' } } }), // 5
      JSON.stringify({ credential: { ...bare, issuer: HOLDER } }), // 6: not a DID of this database
      JSON.stringify({ credential: bare, subjectId: HOLDER }), // 7: a member beside credential
      JSON.stringify({ credential: { ...bare, credentialStatus: { type: 'X', statusListCredential: `${BASE}/9` } } }), // 8
      JSON.stringify({ credential: bare, recordKey: 'bare-9' }), // 9
    ];
    const output = join(dir, 'documents.issued.jsonl');
    const result = await issuer.issueBatch(
      { text: lines.join('\n'), format: 'jsonl' },
      { type: 'BirthCertificate', outputPath: output, status: ['revocation'] },
    );
    expect(result.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
      [4, 'MALFORMED', '/credential/id'],
      [5, 'INVALID_ARGUMENT', '/credential/proof'],
      [6, 'NOT_FOUND', '/credential/issuer'],
      [7, 'INVALID_ARGUMENT', '/subjectId'],
      [8, 'INVALID_ARGUMENT', '/credential/credentialStatus/statusListCredential'],
    ]);
    const four = result.invalid[0];
    expect(four?.issues?.map((i) => i.path)).toEqual(
      expect.arrayContaining(['/credential/id', '/credential/type', '/credential/validFrom']),
    );
    for (const p of ['/credential/id', '/credential/type', '/credential/validFrom']) expect(four?.reason).toContain(p);
    expect(result).toMatchObject({ total: 4, issued: 4 });

    const out = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; jwt: string; format: string });
    expect(out.map((o) => [o.line, o.format])).toEqual([
      [1, 'vc+jwt'],
      [2, 'jwt_vc'],
      [3, 'vc+jwt'],
      [9, 'vc+jwt'],
    ]);
    const first = payloadOf(out[0]?.jwt as string);
    const entries = first.json.credentialStatus as unknown[];
    expect(entries[0]).toEqual(good2.credentialStatus);
    expect(entries).toHaveLength(2);
    expect(first.text).toBe(JSON.stringify({ ...good2, credentialStatus: entries }));
    const second = payloadOf(out[1]?.jwt as string).json;
    expect((second.vc as Record<string, unknown>).issuanceDate).toBe(good1.issuanceDate);
    const statusLists = await lists();
    for (const o of out) {
      const r = await verifyCredential(o.jwt, { status: { lists: statusLists, onUnavailable: 'warn' } });
      expect(r.errors ?? [], `line ${o.line}`).toEqual([]);
      expect(r.verified).toBe(true);
      // Only line 1's entry into the other agency's list goes unchecked.
      expect(r.warnings ?? [], `line ${o.line}`).toHaveLength(o.line === 1 ? 1 : 0);
    }

    // The same extract again: everything already issued is skipped; reemit signs the same credentials.
    const again: Array<{ line: number; jwt: string }> = [];
    const rerun = await issuer.issueBatch(
      { text: lines.join('\n'), format: 'jsonl' },
      { type: 'BirthCertificate', status: ['revocation'], reemit: true, onIssued: (c) => void again.push({ line: c.line, jwt: c.jwt }) },
    );
    expect(rerun).toMatchObject({ issued: 0, skipped: 4, reemitted: 4 });
    expect(again.sort((a, b) => a.line - b.line).map((a) => a.jwt)).toEqual(out.map((o) => o.jwt));
  });

  it('takes document records without a type option, and refuses the convenience ones then', async () => {
    const bare = { '@context': [V2], type: ['VerifiableCredential', 'ResidencePermit'], credentialSubject: { id: HOLDER, zone: 'Y' } };
    const result = await issuer.issueBatch(
      { text: `${JSON.stringify({ credential: bare })}\n${JSON.stringify({ givenName: 'Ana' })}`, format: 'jsonl' },
      { status: [] },
    );
    expect(result.issued).toBe(1);
    expect(result.invalid.map((i) => [i.line, i.code, i.path])).toEqual([[2, 'INVALID_ARGUMENT', '/type']]);
    await expect(issuer.issueBatch({ text: 'givenName\nAna', format: 'csv' }, {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
