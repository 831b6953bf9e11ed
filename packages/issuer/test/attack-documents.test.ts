import { type Issuer, openIssuer } from '@tradewind/issuer';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer, TEST_KDF } from './helpers/temp-issuer.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

let dir: string;
let issuer: Issuer;
let did: string;
let list: string;

beforeAll(async () => {
  ({ dir, issuer } = await openTempIssuer('attack-documents'));
  did = issuer.defaultDid as string;
  const first = await issuer.issue({ credential: v2() });
  list = first.status[0]?.statusListCredential as string;
});
afterAll(() => closeTempIssuer(issuer, dir));

function v2(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [V2],
    type: ['VerifiableCredential', 'ResidenceCredential'],
    credentialSubject: { id: HOLDER, town: 'Arima' },
    ...extra,
  };
}

async function footprint(of: Issuer = issuer): Promise<{ logged: number; allocated: number; lists: number }> {
  const q = (sql: string) => of.agent.query(sql) as Promise<Array<{ n: number }>>;
  const [logged] = await q(`SELECT COUNT(*) AS n FROM "tw_issuance_log"`);
  const [allocated] = await q(`SELECT COUNT(*) AS n FROM "tw_status_entry"`);
  const [lists] = await q(`SELECT COALESCE(SUM("used"), 0) AS n FROM "tw_status_list"`);
  return { logged: Number(logged?.n), allocated: Number(allocated?.n), lists: Number(lists?.n) };
}

async function refusal(
  request: unknown,
  of: Issuer = issuer,
): Promise<{ code?: string; path?: string; message: string; issues?: unknown[] }> {
  const before = await footprint(of);
  const error = await of.issue(request as never).then(
    (issued) => {
      throw new Error(`signed ${JSON.stringify(issued.credential)}`);
    },
    (e: unknown) => e as { code?: string; path?: string; message: string; issues?: unknown[] },
  );
  expect(await footprint(of)).toEqual(before);
  return error;
}

/** Spellings a web server resolves to the same status list URL. */
function spellings(url: string): string[] {
  const u = new URL(url);
  const path = u.pathname.slice(1);
  return [
    url.replace(`${u.protocol}//${u.host}`, `${u.protocol.toUpperCase()}//${u.host.toUpperCase()}`),
    url.replace(u.host, `${u.host}:443`),
    url.replace(u.protocol, 'http:').replace(u.host, `${u.host}:80`),
    url.replace(`/${path}`, `/${path.replace(/^s/, '%73').replace(/t/, '%74')}`),
    url.replace(`/${path}`, `/other/../${path}`),
    url.replace(`/${path}`, `/%2e/${path}`),
    url.replace(`/${path}`, `//${path}`),
    `${url}/`,
    `${url}?page=1`,
    `${url}#list`,
    url.replace(`//${u.host}`, `//clerk@${u.host}`),
    url.replace(u.host, `${u.host}.`),
  ];
}

describe("a caller status entry never points into the issuer's own lists, however spelt", () => {
  it('refuses every spelling of a current list, in statusListCredential and in id, and writes nothing', async () => {
    for (const url of spellings(list)) {
      const a = await refusal({
        credential: v2({
          credentialStatus: {
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '7',
            statusListCredential: url,
          },
        }),
        status: [],
      });
      expect([url, a.code, a.path]).toEqual([url, 'INVALID_ARGUMENT', '/credential/credentialStatus/statusListCredential']);
      const b = await refusal({
        credential: v2({
          credentialStatus: [
            { id: `${url.replace(/#.*$/, '')}#7`, type: 'ExampleStatusEntry', statusListCredential: 'https://other.example/l/1' },
          ],
        }),
        status: [],
      });
      expect([url, b.code, b.path]).toEqual([url, 'INVALID_ARGUMENT', '/credential/credentialStatus/0/id']);
    }
  });

  it('refuses every spelling of a list published under an earlier base URL, in one request and in a batch', async () => {
    const { dir: movedDir, issuer: first, database } = await openTempIssuer('attack-moved');
    const old = await first.issue({ credential: v2() });
    await first.close();
    const moved = await openIssuer({
      database,
      secret: 'attack-moved',
      kdf: TEST_KDF,
      statusListBaseUrl: 'https://status.registry.gov.example/lists',
    });
    try {
      const oldList = old.status[0]?.statusListCredential as string;
      const records: string[] = [];
      for (const url of spellings(oldList)) {
        const entry = { type: 'BitstringStatusListEntry', statusPurpose: 'suspension', statusListIndex: '9', statusListCredential: url };
        const error = await refusal({ credential: v2({ credentialStatus: entry }) }, moved);
        expect([url, error.code, error.path]).toEqual([url, 'INVALID_ARGUMENT', '/credential/credentialStatus/statusListCredential']);
        expect(error.message).toContain(`published under ${oldList.replace(/\/[0-9]+$/, '')} `);
        records.push(JSON.stringify({ credential: v2({ credentialStatus: entry }) }));
      }
      // A list of that earlier base not opened yet: it would be, were the base set back.
      const later = oldList.replace(/\/[0-9]+$/, '/99');
      const notYet = await refusal(
        {
          credential: v2({
            credentialStatus: {
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: '3',
              statusListCredential: later,
            },
          }),
        },
        moved,
      );
      expect([notYet.code, notYet.path]).toEqual(['INVALID_ARGUMENT', '/credential/credentialStatus/statusListCredential']);
      records.push(JSON.stringify({ credential: v2() }));
      const before = await footprint(moved);
      const batch = await moved.issueBatch({ text: records.join('\n'), format: 'jsonl' }, {});
      expect(batch.invalid.map((i) => [i.code, i.path])).toEqual(
        records.slice(0, -1).map(() => ['INVALID_ARGUMENT', '/credential/credentialStatus/statusListCredential']),
      );
      // Only the one valid record is logged and given an index.
      expect(await footprint(moved)).toEqual({ logged: before.logged + 1, allocated: before.allocated + 1, lists: before.lists + 1 });
    } finally {
      await closeTempIssuer(moved, movedDir);
    }
  });

  it("refuses a credential id that is one of the issuer's status lists, and keeps entries of other hosts", async () => {
    for (const id of [list.replace(/\/\d+$/, '/2'), list.replace('registry.gov.example', 'Registry.Gov.Example:443')]) {
      const error = await refusal({ credential: v2({ id }), status: [] });
      expect([id, error.code, error.path]).toEqual([id, 'INVALID_ARGUMENT', '/credential/id']);
    }
    const elsewhere = 'https://registry.gov.example.evil/status/1';
    const issued = await issuer.issue({
      credential: v2({
        id: 'https://registry.gov.example/credentials/status-1',
        credentialStatus: {
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '7',
          statusListCredential: elsewhere,
        },
      }),
      status: [],
    });
    expect(issued.credential.credentialStatus).toMatchObject({ statusListCredential: elsewhere });
  });
});

describe('documents the issuer does not sign', () => {
  it('refuses status list, recognition list, presentation and envelope types in both request shapes', async () => {
    const statusList = await refusal({
      credential: {
        '@context': [V2],
        id: 'https://registry.gov.example/published/1',
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        credentialSubject: {
          id: 'https://registry.gov.example/published/1#list',
          type: 'BitstringStatusList',
          statusPurpose: 'revocation',
          encodedList: 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA',
        },
      },
      status: [],
    });
    expect([statusList.code, statusList.path]).toEqual(['INVALID_ARGUMENT', '/credential/type/1']);
    const recognition = await refusal({ credential: { ...v2(), type: ['VerifiableCredential', 'RecognitionList'] }, status: [] });
    expect([recognition.code, recognition.path]).toEqual(['INVALID_ARGUMENT', '/credential/type/1']);
    for (const type of ['VerifiablePresentation', 'EnvelopedVerifiablePresentation', 'EnvelopedVerifiableCredential']) {
      const other = await refusal({ credential: { ...v2(), type: ['VerifiableCredential', 'ResidenceCredential', type] }, status: [] });
      expect([type, other.code, other.path]).toEqual([type, 'INVALID_ARGUMENT', '/credential/type/2']);
    }
    const shortcut = await refusal({ type: 'StatusList2021Credential', credentialSubject: { id: HOLDER } });
    expect([shortcut.code, shortcut.path]).toEqual(['INVALID_ARGUMENT', '/type']);
  });

  it('refuses JWT claims at the top of a vc+jwt document that contradict the credential, one issue each', async () => {
    const error = await refusal({
      credential: v2({
        id: 'urn:uuid:0b5c1d0e-3f7a-4c61-9d2e-7a1f4e6b8c90',
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2031-01-01T00:00:00Z',
        iss: 'did:example:someone-else',
        sub: 'did:example:another-holder',
        jti: 'urn:uuid:other',
        nbf: 1,
        exp: 4102444800,
        iat: 1767225600,
        cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } },
        vc: { type: ['VerifiableCredential'] },
        vp: 'x',
      }),
    });
    expect(error.code).toBe('MALFORMED');
    expect((error.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(
      ['iss', 'sub', 'jti', 'nbf', 'exp', 'iat', 'cnf', 'vc', 'vp'].map((k) => `/credential/${k}`),
    );
  });

  it('signs JWT claims that say what the credential says, and the verifier accepts them', async () => {
    const id = 'urn:uuid:5d0a3c1e-8b7f-4e2a-9c61-3f0b2d4e6a71';
    const issued = await issuer.issue({
      credential: v2({
        id,
        issuer: { id: did, name: 'Registry' },
        validFrom: '2026-01-01T00:00:00.900Z',
        validUntil: '2031-01-01T00:00:00Z',
        iss: did,
        sub: HOLDER,
        jti: id,
        nbf: 1767225600,
        exp: 1924992000,
      }),
      status: [],
    });
    const result = await verifyCredential(issued.jwt, { now: new Date('2027-01-01T00:00:00Z') });
    expect(result.verified).toBe(true);
    const onlyStart = await refusal({ credential: v2({ exp: 1924992000 }), status: [] });
    expect(onlyStart.path).toBe('/credential/exp');
    expect(onlyStart.message).toContain('which this credential does not have');
  });
});

describe('re-emission of documents', () => {
  const payload = (jwt: string) => Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8');

  it('signs a reordered document as the same content in the order of the request; a changed member is refused', async () => {
    const id = 'urn:uuid:7c1e2a4b-3d5f-4a6b-8c7d-9e0f1a2b3c4d';
    const document = v2({ id, credentialSubject: { id: HOLDER, town: 'Arima', street: 'Queen St' } });
    const issued = await issuer.issue({ credential: document, recordKey: 'attack-reorder' });
    expect((await issuer.reemit({ credential: document })).jwt).toBe(issued.jwt);
    const reordered = Object.fromEntries(Object.entries(document).reverse());
    reordered.credentialSubject = { street: 'Queen St', town: 'Arima', id: HOLDER };
    const again = await issuer.reemit({ credential: reordered, recordKey: 'attack-reorder' });
    expect(again.credential).toEqual(issued.credential);
    expect(payload(again.jwt).startsWith(`{"id":"${id}","credentialSubject":{"street":"Queen St"`)).toBe(true);
    expect(again.jwt).not.toBe(issued.jwt);
    const before = await footprint();
    const changed = await issuer
      .reemit({ credential: { ...document, credentialSubject: { id: HOLDER, town: 'Arima', street: 'King St' } } })
      .catch((e: unknown) => e);
    expect(changed).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await footprint()).toEqual(before);
  });

  it('says that a credential was issued under another recordKey, instead of that it was never issued', async () => {
    const id = 'urn:uuid:0f1e2d3c-4b5a-4969-8877-665544332211';
    await issuer.issue({ credential: v2({ id }), recordKey: 'attack-key-a' });
    const error = await issuer.reemit({ credential: v2({ id }), recordKey: 'attack-key-b' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', path: '/recordKey' });
    expect((error as Error).message).toContain(`credential ${id} was issued under another recordKey`);
    const none = await issuer.reemit({ credential: v2({ id: 'urn:uuid:never-issued' }) }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('JSONL records', () => {
  it('a record whose object repeats a member name, or holds an integer beyond 2^53, is listed with its path, and not issued', async () => {
    const before = await footprint();
    const text = [
      `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"issuer":"did:example:shown","issuer":"${did}","credentialSubject":{"n":1}}}`,
      `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":[{"n":2},{"n":3,"n":4}]}}`,
      `{"type":"Ticket","credentialSubject":{"seat":"1A"},"type":"Pass"}`,
      `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"n":"a\\"b","m":"\\"n\\""}}}`,
      `{"credential":{"@context":["${V2}"],"type":["VerifiableCredential"],"credentialSubject":{"serial":-9007199254740993}}}`,
    ].join('\n');
    const result = await issuer.issueBatch({ text, format: 'jsonl' }, {});
    expect(result.invalid.map((i) => [i.line, i.code, i.path])).toEqual([
      [1, 'MALFORMED', '/credential/issuer'],
      [2, 'MALFORMED', '/credential/credentialSubject/1/n'],
      [3, 'MALFORMED', '/type'],
      [5, 'MALFORMED', '/credential/credentialSubject/serial'],
    ]);
    expect(result.issued).toBe(1);
    expect((await footprint()).logged).toBe(before.logged + 1);
  });
});

describe('dates of the other data model', () => {
  const V1 = 'https://www.w3.org/2018/credentials/v1';
  const v1 = (extra: Record<string, unknown>) => ({
    '@context': [V1],
    type: ['VerifiableCredential'],
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject: { id: HOLDER },
    ...extra,
  });

  it('refuses validFrom / validUntil in a VCDM 1.1 document and issuanceDate / expirationDate in a VCDM 2.0 one', async () => {
    const old = await refusal({ credential: v1({ validUntil: '2020-01-01T00:00:00Z', validFrom: '2019-01-01T00:00:00Z' }), status: [] });
    expect(old.code).toBe('MALFORMED');
    expect((old.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(['/credential/validUntil', '/credential/validFrom']);
    const current = await refusal({ credential: v2({ expirationDate: '2020-01-01T00:00:00Z' }), status: [] });
    expect([current.code, current.path]).toEqual(['MALFORMED', '/credential/expirationDate']);
    expect(current.message).toContain('validUntil');
  });

  it('refuses a VCDM 1.1 document whose expirationDate is before its issuanceDate (a JWT with exp before nbf)', async () => {
    const error = await refusal({ credential: v1({ expirationDate: '2025-12-31T23:59:59Z' }), status: [] });
    expect([error.code, error.path]).toEqual(['MALFORMED', '/credential/expirationDate']);
    const same = await issuer.issue({ credential: v1({ expirationDate: '2026-01-01T00:00:00Z' }), status: [] });
    expect(same.format).toBe('jwt_vc');
  });
});
