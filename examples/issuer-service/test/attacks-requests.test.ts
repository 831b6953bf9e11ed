import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './attack-helpers.js';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

// Requests an attacker can send to the admin and public routes: every one is refused with
// a code, or does exactly what a well-formed request would; none reaches an admin handler
// without the key, none is a 500.

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
});

const issueBody = JSON.stringify({ credential: credentialDocument() });
async function issuedCount(): Promise<number> {
  const rows = (await service.context.issuer.agent.dataSource.query('SELECT COUNT(*) AS n FROM "tw_issuance_log"')) as Array<{ n: number }>;
  return Number(rows[0]?.n);
}
const codeOf = (text: string) => (JSON.parse(text) as { errors: Array<{ code: string; path?: string }> }).errors[0];

describe('admin authentication, header by header', () => {
  it('reads the Bearer scheme case-insensitively with spaces around the key, and refuses every other form', async () => {
    const key = service.adminKey;
    const cases: Array<[string, Array<[string, string]>, number]> = [
      ['lowercase scheme', [['authorization', `bearer ${key}`]], 201],
      ['extra spaces', [['authorization', `Bearer   ${key}  `]], 201],
      [
        'Authorization wins over X-API-Key',
        [
          ['authorization', `Bearer ${key}`],
          ['x-api-key', 'wrong'],
        ],
        201,
      ],
      [
        'two Authorization headers, one right',
        [
          ['authorization', `Bearer ${key}`],
          ['authorization', 'Bearer wrong'],
        ],
        401,
      ],
      [
        'two X-API-Key headers, one right',
        [
          ['x-api-key', key],
          ['x-api-key', 'wrong'],
        ],
        401,
      ],
      [
        'a wrong Authorization beside a right X-API-Key',
        [
          ['authorization', 'Bearer wrong'],
          ['x-api-key', key],
        ],
        403,
      ],
      [
        'another scheme beside a right X-API-Key',
        [
          ['authorization', `Basic ${key}`],
          ['x-api-key', key],
        ],
        401,
      ],
      ['empty X-API-Key', [['x-api-key', '']], 401],
      ['empty Authorization', [['authorization', '']], 401],
      ['scheme without key', [['authorization', 'Bearer ']], 401],
      ['key with a space in it', [['authorization', `Bearer ${key.slice(0, 10)} ${key.slice(10)}`]], 401],
      ['very long key', [['authorization', `Bearer ${'a'.repeat(8000)}`]], 403],
      ['the key with a non-ASCII byte after it', [['x-api-key', `${key}\u00e9`]], 401],
    ];
    for (const [name, headers, expected] of cases) {
      const res = await rawRequest(
        service.base,
        'POST',
        '/credentials/issue',
        [['content-type', 'application/json'], ...headers],
        issueBody,
      );
      expect(res.status, name).toBe(expected);
      if (expected !== 201) {
        expect(codeOf(res.text)?.code, name).toBe(expected === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
        // A refusal names neither the key presented nor a configured one.
        expect(res.text).not.toContain(key);
        expect(res.text).not.toContain(service.config.adminKeyHashes[0]?.slice(7, 30));
      }
    }
  });

  it('reaches no admin handler through another spelling of its path or another method', async () => {
    const before = await issuedCount();
    const paths = [
      '/credentials/issue/',
      '//credentials/issue',
      '/Credentials/issue',
      '/credentials%2Fissue',
      '/credentials/%69ssue',
      '/credentials/issue;x',
      '/credentials/issue%00',
      '/.well-known/../credentials/issue',
      '/credentials/status/',
      '/batches/',
      '/%62atches',
      '/keys/rotate/',
      '/offers/',
    ];
    for (const path of paths) {
      for (const method of ['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) {
        const res = await rawRequest(
          service.base,
          method,
          path,
          [
            ['content-type', 'application/json'],
            ['x-http-method-override', 'POST'],
            ['x-forwarded-for', '10.0.0.1'],
          ],
          method === 'POST' || method === 'PUT' ? issueBody : undefined,
        );
        expect([401, 404], `${method} ${path}`).toContain(res.status);
      }
    }
    // No spelling issued a credential.
    expect(await issuedCount()).toBe(before);
  });
});

describe('request bodies', () => {
  it('refuses a JSON body that says it is in another charset than UTF-8 (415), and takes UTF-8 said or unsaid', async () => {
    for (const type of ['application/json; charset=latin1', 'application/json;charset="iso-8859-1"', 'application/json; charset=utf-16']) {
      const res = await fetch(`${service.base}/credentials/verify`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: '{"verifiableCredential":{}}',
      });
      expect(res.status, type).toBe(415);
      expect(codeOf(await res.text())?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    for (const type of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json']) {
      const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey, {
        'content-type': type,
      });
      expect(res.status, type).toBe(201);
    }
  });

  it('refuses a member named __proto__ at any depth with its path, where the schema would have dropped it and issued the rest', async () => {
    const before = await issuedCount();
    const documents = [
      [
        '/credential/__proto__',
        '{"credential":{"__proto__":{"issuer":"did:example:evil"},"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:a"}}}',
      ],
      [
        '/credential/credentialSubject/__proto__',
        '{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:a","__proto__":{"x":1}}}}',
      ],
      [
        '/credential/__proto__',
        '{"credential":{"\\u005f_proto__":{},"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:a"}}}',
      ],
      ['/options/__proto__', `{"credential":${JSON.stringify(credentialDocument())},"options":{"__proto__":{"status":[]}}}`],
    ] as const;
    for (const [path, body] of documents) {
      const res = await post(`${service.base}/credentials/issue`, body, service.adminKey);
      const text = await res.text();
      expect(res.status, text).toBe(400);
      expect(codeOf(text)).toEqual({ code: 'MALFORMED', message: 'the member name __proto__ is not allowed', path });
    }
    expect(await issuedCount()).toBe(before);
    const res = await post(`${service.base}/credentials/verify`, '{"verifiableCredential":{"type":"x"},"options":{"__proto__":{}}}');
    expect(res.status).toBe(400);
    expect(codeOf(await res.text())?.path).toBe('/options/__proto__');
  });

  it('answers bodies built to break a parser with a 4xx and a code, never 500 and never verified', async () => {
    const cases: Array<[string, Record<string, string>, string | Buffer]> = [
      ['gzip content-encoding', { 'content-encoding': 'gzip' }, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xab, 0xae, 5, 0])],
      ['byte order mark', {}, '\ufeff{"verifiableCredential":{}}'],
      ['deep arrays', {}, `{"verifiableCredential":{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`],
      ['deep objects', {}, `{"verifiableCredential":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`],
      ['deep objects with an escape', {}, `{"verifiableCredential":${'{"\\u0061":'.repeat(60_000)}1${'}'.repeat(60_000)}}`],
      ['a constructor member', {}, '{"constructor":{},"verifiableCredential":{}}'],
      ['a number past double', {}, '{"verifiableCredential":{"a":1e400}}'],
      ['an integer past 2^53', {}, '{"verifiableCredential":{"a":9007199254740993}}'],
      ['a lone surrogate', {}, '{"verifiableCredential":{"a":"\\ud800"}}'],
      ['a large array', {}, `{"verifiableCredential":{"a":[${'0,'.repeat(400_000)}0]}}`],
      ['an invalid UTF-8 byte', {}, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ];
    for (const [name, headers, body] of cases) {
      const res = await fetch(`${service.base}/credentials/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const text = await res.text();
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
      expect(text, name).not.toContain('"verified":true');
    }
    // The same depth in a document to issue: refused at the issuer's depth limit, with its path.
    const deep = JSON.stringify({ credential: credentialDocument({ deep: 'DEEP' }) }).replace(
      '"DEEP"',
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    );
    const res = await post(`${service.base}/credentials/issue`, deep, service.adminKey);
    expect(res.status).toBe(413);
    expect(codeOf(await res.text())?.code).toBe('LIMIT_EXCEEDED');
  });
});

describe('VC-API issue and status', () => {
  it('refuses a second credential with an id already issued, status entries into its own lists, JWT claims and envelopes', async () => {
    const doc = { ...credentialDocument(), id: 'urn:uuid:6a1f9f44-0d2b-4a2c-9a5e-2a7d4f3a9c11' };
    expect((await post(`${service.base}/credentials/issue`, { credential: doc }, service.adminKey)).status).toBe(201);
    const again = await post(
      `${service.base}/credentials/issue`,
      { credential: { ...doc, credentialSubject: { id: 'did:example:other' } } },
      service.adminKey,
    );
    expect(again.status).toBe(409);
    const refusals: Array<[Record<string, unknown>, string]> = [
      [
        {
          ...credentialDocument(),
          credentialStatus: {
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '0',
            statusListCredential: `${service.base}/status/1`,
          },
        },
        '/credential/credentialStatus/statusListCredential',
      ],
      [{ ...credentialDocument(), iss: 'did:example:evil' }, '/credential/iss'],
      [{ ...credentialDocument(), exp: 1 }, '/credential/exp'],
      [{ ...credentialDocument(), proof: { type: 'DataIntegrityProof' } }, '/credential/proof'],
      [{ ...credentialDocument(), type: 'EnvelopedVerifiableCredential', id: 'data:application/vc+jwt,abc' }, '/credential/type'],
    ];
    // Another issuer: not one this database holds keys for.
    const other = await post(
      `${service.base}/credentials/issue`,
      { credential: { ...credentialDocument(), issuer: 'did:example:evil' } },
      service.adminKey,
    );
    expect(other.status).toBe(404);
    expect(codeOf(await other.text())?.code).toBe('NOT_FOUND');
    for (const [credential, path] of refusals) {
      const res = await post(`${service.base}/credentials/issue`, { credential }, service.adminKey);
      const body = (await res.json()) as { errors: Array<{ path?: string }> };
      expect(res.status, path).toBe(400);
      expect(
        body.errors.map((e) => e.path),
        path,
      ).toContain(path);
    }
  });

  it('answers 404 for ids it did not issue, whatever they look like', async () => {
    for (const credentialId of ['urn:uuid:00000000-0000-0000-0000-000000000000', `${service.base}/status/1`, '%', "' OR 1=1 --", '*']) {
      for (const statusPurpose of ['revocation', 'suspension']) {
        const res = await post(
          `${service.base}/credentials/status`,
          { credentialId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose }, status: true },
          service.adminKey,
        );
        expect(res.status, credentialId).toBe(404);
      }
    }
  });

  it('of concurrent revoke, suspend and reinstate requests, each is answered, one revocation changes the credential, and it stays revoked', async () => {
    const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument() }, service.adminKey);
    const { verifiableCredential } = (await res.json()) as { verifiableCredential: { id: string } };
    const credentialId = (decodeJwt(verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1)) as { id: string }).id;
    const change = (statusPurpose: string, status: boolean) =>
      post(
        `${service.base}/credentials/status`,
        { credentialId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose }, status },
        service.adminKey,
      );
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? change('revocation', true) : change('suspension', i % 3 === 1))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ statusPurpose: string; changed: boolean }>;
    expect(bodies.filter((b) => b.statusPurpose === 'revocation' && b.changed)).toHaveLength(1);
    const verified = await post(`${service.base}/credentials/verify`, { verifiableCredential });
    expect(verified.status).toBe(400);
    const codes = ((await verified.json()) as { errors: Array<{ code: string }> }).errors.map((e) => e.code);
    expect(codes).toContain('REVOKED');
  });
});
