// The DCQL queries of the OpenID4VP 1.0 specification (fixtures/openid4vp-1.0, copied from
// openid/OpenID4VP; sections in its README), each put into a request URI and read by the
// Tradewind wallet's request parser and by `dcql`, then matched against a wallet holding
// credentials from the Tradewind issuer. What should match is written down here from the
// specification's rules (§6.4 Selecting Claims and Credentials, Appendix B.1.1 for W3C
// types), and checked also against `dcql` run over the credentials as this test describes
// them, independently of how the wallet describes its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { type DcqlCredential, DcqlQuery } from 'dcql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const RESPONSE_URI = 'https://verifier.example.org/openid4vp/response';
const FIXTURES = new URL('./fixtures/openid4vp-1.0/', import.meta.url);
const example = (name: string): DcqlQuery.Input => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));

const VC = 'https://www.w3.org/2018/credentials#VerifiableCredential';
/** VCDM 2.0's undefined-terms context: its `@vocab` makes every term it meets an IRI under this. */
const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
const UNDEFINED_TERM = 'https://www.w3.org/ns/credentials/undefined-term#';

/** A request as a verifier shows it: `openid4vp://?` with the request parameters, JSON ones stringified. */
function requestUri(dcql: unknown, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    response_type: 'vp_token',
    response_mode: 'direct_post',
    client_id: `redirect_uri:${RESPONSE_URI}`,
    response_uri: RESPONSE_URI,
    nonce: 'n-0S6_WzA2Mj0S6_WzA2Mj',
    state: 'eyJhb-state-1234567890',
    dcql_query: JSON.stringify(dcql),
    client_metadata: JSON.stringify({ vp_formats_supported: { 'dc+sd-jwt': {}, jwt_vc_json: {}, ldp_vc: {} } }),
    ...extra,
  });
  return `openid4vp://?${params}`;
}

interface Held {
  name: string;
  /** The credential as dcql sees it, written from what was issued. */
  dcql: DcqlCredential;
  walletId?: string;
}

const IDENTITY = 'https://credentials.example.com/identity_credential';
const JOHN = {
  given_name: 'John',
  family_name: 'Doe',
  date_of_birth: '1990-04-12',
  postal_code: '90210',
  locality: 'Beverly Hills',
  region: 'California',
  address: { street_address: '123 Main St' },
};
const ERIKA = { ...JOHN, given_name: 'Erika', family_name: 'Mustermann', postal_code: '10115', locality: 'Berlin', region: 'Berlin' };
const REDUCED = { given_name: 'John', family_name: 'Doe' };
const RESIDENCE = { postal_code: '90210', locality: 'Beverly Hills', region: 'California' };
const ID_SUBJECT = {
  given_name: 'Max',
  family_name: 'Mustermann',
  birthdate: '1998-01-11',
  address: { street_address: 'Sandanger 25', locality: 'Musterstadt', postal_code: '123456', country: 'DE' },
};

let dir: string;
let issuer: Issuer;
let wallet: Wallet;
let holder: string;
const held: Held[] = [];

/** Every top-level claim and each member of `address`, selectively disclosable. */
const disclosable = (claims: Record<string, unknown>) => [
  ...Object.keys(claims).map((k) => `/${k}`),
  ...Object.keys((claims.address as Record<string, unknown>) ?? {}).map((k) => `/address/${k}`),
];

async function holdSdJwt(name: string, vct: string, claims: Record<string, unknown>) {
  const issued = await issuer.issue({
    format: 'dc+sd-jwt',
    type: 'IdentityCredential',
    vct,
    credentialSubject: { id: holder, ...claims },
    disclose: disclosable(claims),
    status: [],
  });
  const { credential } = await wallet.receive(issued.jwt);
  held.push({
    name,
    walletId: credential.id,
    dcql: { credential_format: 'dc+sd-jwt', vct, claims: { vct, ...claims } as never, cryptographic_holder_binding: true },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-dcql-spec-'));
  issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: 'i', kdf, statusListBaseUrl: 'https://registry.example/status' });
  await issuer.createDid({ method: 'key', keyType: 'Ed25519' });
  wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'w', kdf });
  holder = (await wallet.createDid({ method: 'key', keyType: 'Ed25519' })).did;

  await holdSdJwt('identity John Doe', IDENTITY, JOHN);
  await holdSdJwt('identity Erika Mustermann', IDENTITY, ERIKA);
  await holdSdJwt('reduced identity', 'https://credentials.example.com/reduced_identity_credential', REDUCED);
  await holdSdJwt('residence', 'https://cred.example/residence_credential', RESIDENCE);

  // A VCDM 1.1 JWT credential: the v1 context defines VerifiableCredential, not IDCredential,
  // so the type stays the relative IDCredential (Appendix B.1.1) the spec's example asks for.
  const jwtVc = await issuer.issue({
    format: 'jwt_vc',
    type: 'IDCredential',
    credentialSubject: { id: holder, ...ID_SUBJECT },
    status: [],
  });
  const stored = await wallet.receive(jwtVc.jwt);
  const vc = JSON.parse(Buffer.from(jwtVc.jwt.split('.')[1] as string, 'base64url').toString()).vc;
  held.push({
    name: 'jwt_vc IDCredential',
    walletId: stored.credential.id,
    dcql: { credential_format: 'jwt_vc_json', type: [VC, 'IDCredential'], claims: vc, cryptographic_holder_binding: true },
  });

  // A VCDM 2.0 Data Integrity credential: every term must be defined, here by the
  // undefined-terms context, whose @vocab makes IDCredential an IRI.
  const di = await issuer.issue({
    format: 'di',
    type: 'IDCredential',
    context: [UNDEFINED_TERMS],
    credentialSubject: { id: holder, ...ID_SUBJECT },
    status: [],
  });
  const diJson = JSON.parse(di.jwt) as Record<string, unknown>;
  const diStored = await wallet.receive(di.jwt);
  held.push({
    name: 'di IDCredential',
    walletId: diStored.credential.id,
    dcql: {
      credential_format: 'ldp_vc',
      type: [VC, `${UNDEFINED_TERM}IDCredential`],
      claims: diJson as never,
      cryptographic_holder_binding: true,
    },
  });
}, 120_000);

afterAll(async () => {
  await wallet?.close();
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Per credential query: the names of the held credentials that answer it, by the wallet and by dcql over this test's descriptions. */
async function matchBoth(query: DcqlQuery.Input) {
  const request = await wallet.parsePresentationRequest(requestUri(query));
  const match = await wallet.matchPresentationRequest(request);
  const nameOf = (id: string) => held.find((h) => h.walletId === id)?.name ?? id;
  const ours: Record<string, string[]> = {};
  for (const q of match.queries) ours[q.queryId] = q.candidates.map((c) => nameOf(c.credential.id)).sort();

  const parsed = DcqlQuery.parse(query);
  const result = DcqlQuery.query(parsed, held.map((h) => h.dcql) as never);
  const theirs: Record<string, string[]> = {};
  for (const q of parsed.credentials) {
    const m = result.credential_matches[q.id];
    theirs[q.id] = (m?.success ? m.valid_credentials : []).map((v) => held[v.input_credential_index]?.name as string).sort();
  }
  expect(ours).toEqual(theirs);
  expect(match.satisfiable).toBe(result.can_be_satisfied);
  return { match, matched: ours, request };
}

const EXAMPLES = [
  'simple',
  'simple_mdoc',
  'multi_credentials',
  'credentials_alternatives',
  'complex_mdoc',
  'claims_alternatives',
  'value_matching_simple',
  'dcql_jwt_vc',
  'dcql_ldp_vc',
];

describe('the DCQL examples of OpenID4VP 1.0, read by the wallet and by dcql', () => {
  for (const name of EXAMPLES) {
    it(`${name}.json: the wallet's parser reads the same query dcql parses`, async () => {
      const query = example(name);
      const parsed = DcqlQuery.parse(query);
      DcqlQuery.validate(parsed);
      const request = await wallet.parsePresentationRequest(requestUri(query));
      expect(request.dcql).toEqual(parsed);
      expect(request.clientId).toBe(`redirect_uri:${RESPONSE_URI}`);
      expect(request.responseUri).toBe(RESPONSE_URI);
      // The same request reached by an https link (§5 parameters in the query) reads the same.
      const https = await wallet.parsePresentationRequest(requestUri(query).replace('openid4vp://', 'https://wallet.example/'));
      expect(https.dcql).toEqual(parsed);
    });
  }
});

describe('the DCQL examples matched against a wallet (§6.4)', () => {
  it('7.4 simple: an SD-JWT VC of the vct with family_name, given_name and address.street_address', async () => {
    const { match, matched } = await matchBoth(example('simple'));
    expect(matched).toEqual({ my_credential: ['identity Erika Mustermann', 'identity John Doe'] });
    expect(match.satisfiable).toBe(true);
    // Only the requested claims are disclosed (address brings only its street).
    const disclosed = match.queries[0]?.candidates[0]?.disclose.map((d) => d.path.join('.')).sort();
    expect(disclosed).toEqual(expect.arrayContaining(['family_name', 'given_name', 'address.street_address']));
    expect(disclosed).not.toContain('postal_code');
    expect(disclosed).not.toContain('date_of_birth');
  });

  it('D value_matching_simple: only the credential whose family_name and postal_code take the listed values', async () => {
    const { matched } = await matchBoth(example('value_matching_simple'));
    expect(matched).toEqual({ my_credential: ['identity John Doe'] });
  });

  it('D claims_alternatives: the first claim set the credential satisfies is the one disclosed (§6.4.1)', async () => {
    const { match, matched } = await matchBoth(example('claims_alternatives'));
    expect(matched).toEqual({ pid: ['identity Erika Mustermann', 'identity John Doe'] });
    for (const candidate of match.queries[0]?.candidates ?? []) {
      const paths = candidate.disclose.map((d) => d.path.join('.')).sort();
      // ["a","c","d","e"]: family_name, locality, region, date_of_birth; not the second set's postal_code.
      expect(paths).toEqual(['date_of_birth', 'family_name', 'locality', 'region']);
    }
  });

  it('D credentials_alternatives: pid, or other_pid, or both reduced credentials; nice_to_have optional', async () => {
    const { match, matched } = await matchBoth(example('credentials_alternatives'));
    expect(matched).toEqual({
      pid: ['identity Erika Mustermann', 'identity John Doe'],
      other_pid: [],
      pid_reduced_cred_1: ['reduced identity'],
      pid_reduced_cred_2: ['residence'],
      nice_to_have: [],
    });
    expect(match.satisfiable).toBe(true);
    // No option of the first set needs every query, and the second set is optional.
    expect(match.queries.every((q) => q.required === false)).toBe(true);
  });

  it('D multi_credentials: both an SD-JWT VC and an mdoc are required; the wallet holds no mdoc', async () => {
    const { match, matched } = await matchBoth(example('multi_credentials'));
    expect(matched).toEqual({ pid: ['identity Erika Mustermann', 'identity John Doe'], mdl: [] });
    expect(match.satisfiable).toBe(false);
  });

  it('D simple_mdoc and complex_mdoc: mdoc queries are read, never matched', async () => {
    for (const name of ['simple_mdoc', 'complex_mdoc']) {
      const { match } = await matchBoth(example(name));
      expect(match.satisfiable).toBe(false);
      expect(match.queries.every((q) => q.candidates.length === 0)).toBe(true);
    }
  });

  it('B.1.3.1.4 dcql_jwt_vc: a jwt_vc_json credential of type IDCredential with the subject claims', async () => {
    const { match, matched } = await matchBoth(example('dcql_jwt_vc'));
    expect(matched).toEqual({ example_jwt_vc: ['jwt_vc IDCredential'] });
    expect(match.satisfiable).toBe(true);
  });

  it('B.1.3.2.4 dcql_ldp_vc: type_values are expanded IRIs (B.1.1), so an IDCredential its context defines matches only by its IRI', async () => {
    const literal = await matchBoth(example('dcql_ldp_vc'));
    expect(literal.matched).toEqual({ example_ldp_vc: [] });
    const expanded = example('dcql_ldp_vc') as { credentials: Array<{ meta: { type_values: string[][] } }> };
    for (const c of expanded.credentials) c.meta.type_values = [[`${UNDEFINED_TERM}IDCredential`]];
    const { match, matched } = await matchBoth(expanded as never);
    expect(matched).toEqual({ example_ldp_vc: ['di IDCredential'] });
    expect(match.satisfiable).toBe(true);
  });
});

describe('DCQL the specification forbids, refused by the wallet before matching (MALFORMED)', () => {
  const refused = async (query: unknown) => {
    const error = await wallet.parsePresentationRequest(requestUri(query)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MALFORMED' });
    expect(() => DcqlQuery.validate(DcqlQuery.parse(query as never))).toThrow();
  };

  it('two credential queries with one id (§6.1)', async () => {
    const simple = example('simple') as { credentials: unknown[] };
    await refused({ credentials: [simple.credentials[0], simple.credentials[0]] });
  });

  it('claim_sets without claims (§6.4.1)', async () => {
    await refused({ credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: [IDENTITY] }, claim_sets: [['a']] }] });
  });

  it('a credential set naming a query that does not exist (§6.2)', async () => {
    const simple = example('simple') as { credentials: unknown[] };
    await refused({ credentials: simple.credentials, credential_sets: [{ options: [['missing']] }] });
  });
});
