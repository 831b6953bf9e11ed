// Status that must be checked is never satisfied by nothing: required status needs an
// entry this verifier can check, a maximum age needs a known age, and a caller's
// provider is never steered to a loopback, private or non-https URL.
import { createList } from '@digitalbazaar/vc-bitstring-status-list';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, type RecognitionPolicy, verifyCredential } from '../src/index.js';
import { didKey, NOW, recognitionListJwt, type TestKey, vcJwt } from './helpers/producers.js';

const LIST_URL = 'https://registry.gov.tt/status/1';
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

async function statusList(issuer: TestKey, claims: Record<string, unknown>, iat?: number) {
  const list = await createList({ length: 131_072 });
  const jwt = new SignJWT({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: LIST_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuer.did,
    credentialSubject: {
      id: `${LIST_URL}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: await list.encode(),
    },
    ...claims,
  }).setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt' });
  if (iat !== undefined) jwt.setIssuedAt(iat);
  return jwt.sign(issuer.privateKey);
}

const entry = (url = LIST_URL, extra: Record<string, unknown> = {}) => ({
  id: `${url}#3`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: '3',
  statusListCredential: url,
  ...extra,
});

const recognitionList = (anchor: TestKey, entries: unknown[]) => recognitionListJwt(anchor, entries);

describe('required status', () => {
  let anchor: TestKey;
  let issuer: TestKey;
  let lists: Record<string, string>;
  let recognitionLists: string[];
  let entryRequired: string[];
  let policy: RecognitionPolicy;
  const ttEntry = (extra: Record<string, unknown> = {}) => ({
    id: issuer.did,
    country: 'TT',
    name: 'TT',
    credentialTypes: ['*'],
    assuranceLevel: 'high',
    ...extra,
  });
  beforeAll(async () => {
    [anchor, issuer] = [didKey(), didKey()];
    lists = { [LIST_URL]: await statusList(issuer, { validFrom: '2026-05-01T00:00:00Z' }) };
    recognitionLists = [await recognitionList(anchor, [ttEntry()])];
    entryRequired = [await recognitionList(anchor, [ttEntry({ status: { required: true } })])];
    policy = { anchors: [anchor.did], status: { required: true } };
  });

  const cases: Array<[string, unknown, string]> = [
    ['missing', undefined, 'STATUS_UNAVAILABLE'],
    // VCDM 2.0: credentialStatus, when present, is an object or a non-empty array of objects.
    ['an empty array', [], 'MALFORMED'],
    ['null', null, 'MALFORMED'],
    ['a string', 'revoked? never', 'MALFORMED'],
    ['an array of null', [null], 'MALFORMED'],
    ['an array holding a number', [7], 'MALFORMED'],
    ['an entry of an unknown type', { ...entry(), type: 'MadeUpStatus' }, 'STATUS_UNAVAILABLE'],
    ['an entry of an unknown purpose', entry(LIST_URL, { statusPurpose: 'message' }), 'STATUS_UNAVAILABLE'],
  ];
  for (const [what, credentialStatus, code] of cases) {
    it(`rejects a credential whose credentialStatus is ${what} when status is required (${code})`, async () => {
      const credential = await vcJwt(issuer, credentialStatus === undefined ? {} : { credentialStatus });
      for (const options of [
        { policy, recognitionLists },
        { policy: { anchors: [anchor.did] }, recognitionLists: entryRequired },
        // Warning about unavailable lists does not turn "nothing to check" into a pass.
        { policy: { ...policy, status: { required: true, onUnavailable: 'warn' as const } }, recognitionLists },
      ]) {
        const r = await verifyCredential(credential, { now: NOW, status: { lists }, ...options });
        expect(r.verified, JSON.stringify(r)).toBe(false);
        expect(codes(r)).toContain(code);
      }
    });
  }

  it('accepts a credential with a checkable entry when status is required', async () => {
    expect(
      (
        await verifyCredential(await vcJwt(issuer, { credentialStatus: entry() }), {
          now: NOW,
          status: { lists },
          policy,
          recognitionLists,
        })
      ).verified,
    ).toBe(true);
    // Beside an entry it cannot check, when the policy only warns about those.
    const credential = await vcJwt(issuer, { credentialStatus: [{ ...entry(), type: 'MadeUpStatus' }, entry()] });
    const warnPolicy = { ...policy, status: { required: true, onUnavailable: 'warn' as const } };
    const r = await verifyCredential(credential, { now: NOW, status: { lists }, policy: warnPolicy, recognitionLists });
    expect(r.verified && r.warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('rejects null credentialStatus even when status is not required (MALFORMED)', async () => {
    const r = await verifyCredential(await vcJwt(issuer, { credentialStatus: null }), { now: NOW, status: { lists } });
    expect(codes(r)).toEqual(['MALFORMED']);
  });
});

describe('maxAgeSeconds', () => {
  let issuer: TestKey;
  beforeAll(() => {
    issuer = didKey();
  });
  const verifyWith = async (list: string, maxAgeSeconds: number, onUnavailable?: 'warn') =>
    verifyCredential(await vcJwt(issuer, { credentialStatus: entry() }), {
      now: NOW,
      status: { lists: { [LIST_URL]: list }, maxAgeSeconds, ...(onUnavailable ? { onUnavailable } : {}) },
    });
  const at = (iso: string) => Date.parse(iso) / 1000;

  it('fails closed for a status list of unknown age (no validFrom, no iat)', async () => {
    const ageless = await statusList(issuer, {});
    expect(codes(await verifyWith(ageless, 86_400))).toEqual(['STATUS_UNAVAILABLE']);
    const warned = await verifyWith(ageless, 86_400, 'warn');
    expect(warned.verified && warned.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/age is unknown/)]);
  });

  it('takes the JWT iat as the age of a status list without validFrom', async () => {
    expect(codes(await verifyWith(await statusList(issuer, {}, at('2026-05-01T00:00:00Z')), 86_400))).toEqual(['STATUS_UNAVAILABLE']);
    expect((await verifyWith(await statusList(issuer, {}, at('2026-06-01T06:00:00Z')), 86_400)).verified).toBe(true);
  });

  it('prefers validFrom to iat', async () => {
    const old = await statusList(issuer, { validFrom: '2026-05-01T00:00:00Z' }, at('2026-06-01T06:00:00Z'));
    expect(codes(await verifyWith(old, 86_400))).toEqual(['STATUS_UNAVAILABLE']);
  });
});

describe('status list URLs given to a provider', () => {
  let issuer: TestKey;
  beforeAll(() => {
    issuer = didKey();
  });

  const refused = [
    'http://registry.gov.tt/status/1',
    'https://127.0.0.1/status/1',
    'https://2130706433/status/1',
    'https://0x7f.1/status/1',
    'https://localhost/status/1',
    'https://localhost./status/1',
    'https://[::1]/status/1',
    'https://[::ffff:169.254.169.254]/latest/meta-data',
    'https://169.254.169.254/latest/meta-data',
    'https://10.1.2.3/status/1',
    'https://192.168.0.1/status/1',
    'https://intranet/status/1',
    'https://registry.gov.tt/a/../admin',
    'https://registry.gov.tt/a/%2e%2e/admin',
    'https://user:pw@registry.gov.tt/status/1',
    'file:///etc/passwd',
    'ftp://registry.gov.tt/status/1',
  ];

  it('never hands a caller-supplied provider a loopback, private, non-https or dot-segment URL', async () => {
    const asked: string[] = [];
    const verifier = createVerifier({
      now: NOW,
      status: {
        provider: {
          get: (url) => {
            asked.push(url);
            return undefined;
          },
        },
      },
    });
    for (const url of refused) {
      const r = await verifier.verifyCredential(await vcJwt(issuer, { credentialStatus: entry(url) }));
      expect(codes(r), url).toEqual(['STATUS_UNAVAILABLE']);
    }
    expect(asked).toEqual([]);
    // A public https URL does reach it.
    await verifier.verifyCredential(await vcJwt(issuer, { credentialStatus: entry() }));
    expect(asked).toEqual([LIST_URL]);
  });

  it('lets such URLs through when the caller allows insecure URLs, and never filters in-memory lists', async () => {
    const local = 'http://127.0.0.1:8080/status/1';
    const list = await statusList(issuer, { id: local, validFrom: '2026-05-01T00:00:00Z' });
    const credential = await vcJwt(issuer, { credentialStatus: entry(local) });
    const provider = { get: (url: string) => (url === local ? list : undefined) };
    expect(codes(await verifyCredential(credential, { now: NOW, status: { provider } }))).toEqual(['STATUS_UNAVAILABLE']);
    expect((await verifyCredential(credential, { now: NOW, status: { provider, allowInsecureUrls: true } })).verified).toBe(true);
    expect((await verifyCredential(credential, { now: NOW, status: { lists: { [local]: list } } })).verified).toBe(true);
  });
});
