// OpenID4VP 1.0 with W3C credentials made and presented only by independent libraries,
// answered to Tradewind's PresentationVerifier over HTTP on 127.0.0.1:
// - `ldp_vc`: a Data Integrity credential Digital Bazaar's @digitalbazaar/vc issued
//   (eddsa-rdfc-2022), presented as a Data Integrity presentation it signed with the
//   request's nonce as `challenge` and the client_id as `domain` (OpenID4VP 1.0 §B.1.3.2.5);
// - `jwt_vc_json`: a VCDM 1.1 VC-JWT did-jwt-vc issued, in a VP-JWT it made with the
//   `nonce` and `aud` claims (§B.1.3.1.5).
// Openid4vpClient reads the request and posts the answer; dcql picks the credentials, the
// ldp_vc one by its fully expanded types (jsonld, §B.1.1). No Tradewind code in the wallet.
import { createRequire } from 'node:module';
import type { JsonObject } from '@tradewind/core';
import type { CredentialNeed } from '@tradewind/openid4vp';
import { createVerifier, parsePolicy } from '@tradewind/verifier';
import { type DcqlCredential, DcqlQuery } from 'dcql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credential,
  type DiSigner,
  diSigner,
  documentLoader,
  issueDi,
  presentDi,
  V2,
} from '../../packages/verifier/test/helpers/di-issue.js';
import { didKey, jwtVc, jwtVp, recognitionListJwt, type TestKey } from '../../packages/verifier/test/helpers/producers.js';
import { IndependentWallet, type ResolvedRequest } from './independent-wallet.js';
import { startVerifierServer, type VerifierServer } from './verifier-server.js';

const require = createRequire(import.meta.url);
const jsonld = require('jsonld') as { expand(doc: unknown, options: { documentLoader: unknown }): Promise<Array<Record<string, unknown>>> };

const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
const NATIONAL_ID = 'NationalIdCredential';
const BIRTH = 'BirthCertificateCredential';
const NEEDS: Record<'id' | 'birth', CredentialNeed> = {
  id: { id: 'national_id', types: [NATIONAL_ID], claims: ['givenName', 'nationality'], formats: ['di'] },
  birth: { id: 'birth', types: [BIRTH], claims: ['birthCountry'], formats: ['jwt_vc'] },
};

let anchor: TestKey;
let dbIssuer: DiSigner;
let dbHolder: DiSigner;
let jwtIssuer: TestKey;
let jwtHolder: TestKey;
let server: VerifierServer;
let wallet: W3cWallet;

/** An independent holder's W3C credentials: one Data Integrity credential and one VC-JWT, with their holders' keys. */
class W3cWallet {
  /** Reading the request and posting the answer: IndependentWallet's Openid4vpClient (its SD-JWT key unused here). */
  private readonly transport = new IndependentWallet({ alg: 'EdDSA', privateKey: undefined as never });

  constructor(
    readonly di: JsonObject,
    readonly jwt: string,
  ) {}

  resolve(uri: string): Promise<ResolvedRequest> {
    return this.transport.resolve(uri);
  }

  /** What dcql sees of each credential: its format, its types (expanded for ldp_vc), the credential as its claims. */
  private async held(): Promise<DcqlCredential[]> {
    const [expanded] = await jsonld.expand(this.di, { documentLoader });
    const jwtVcClaims = (JSON.parse(Buffer.from(this.jwt.split('.')[1] as string, 'base64url').toString()) as { vc: JsonObject }).vc;
    return [
      {
        credential_format: 'ldp_vc',
        type: expanded?.['@type'] as string[],
        claims: this.di as never,
        cryptographic_holder_binding: true,
      },
      {
        credential_format: 'jwt_vc_json',
        type: jwtVcClaims.type as string[],
        claims: jwtVcClaims as never,
        cryptographic_holder_binding: true,
      },
    ] as DcqlCredential[];
  }

  /** Per query dcql can satisfy, the held credential in the presentation its format calls for. */
  async vpToken(
    request: ResolvedRequest,
    binding: { challenge?: string; domain?: string | null } = {},
  ): Promise<Record<string, Array<string | JsonObject>>> {
    const { nonce, client_id: clientId } = request.payload as { nonce: string; client_id: string };
    const result = DcqlQuery.query(request.dcql, await this.held());
    const token: Record<string, Array<string | JsonObject>> = {};
    for (const query of request.dcql.credentials) {
      const match = result.credential_matches[query.id];
      if (!match?.success) continue;
      const index = match.valid_credentials[0]?.input_credential_index;
      if (index === 0) {
        const domain = binding.domain === null ? {} : { domain: binding.domain ?? clientId };
        token[query.id] = [await presentDi([this.di], dbHolder, { challenge: binding.challenge ?? nonce, ...domain, date: new Date() })];
      } else if (index === 1) {
        token[query.id] = [await jwtVp(jwtHolder, [this.jwt], { nonce: binding.challenge ?? nonce, aud: clientId })];
      }
    }
    return token;
  }

  submit(request: ResolvedRequest, vpToken: Record<string, Array<string | JsonObject>>) {
    return this.transport.submit(request, vpToken as never);
  }
}

beforeAll(async () => {
  anchor = didKey();
  dbIssuer = await diSigner('eddsa-rdfc-2022', { seed: 61 });
  dbHolder = await diSigner('eddsa-rdfc-2022', { seed: 62 });
  jwtIssuer = didKey('P-256');
  jwtHolder = didKey();
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const list = await recognitionListJwt(
    anchor,
    [
      { id: dbIssuer.did, country: 'JM', name: 'Registrar General, Jamaica', credentialTypes: [NATIONAL_ID], assuranceLevel: 'high' },
      { id: jwtIssuer.did, country: 'LC', name: 'Civil Registry, Saint Lucia', credentialTypes: [BIRTH], assuranceLevel: 'substantial' },
    ],
    { sequence: 3, name: 'OECS and CARICOM recognition', nextUpdate: iso(Date.now() + 30 * day) },
    { validFrom: iso(Date.now() - day) },
  );
  const verifier = createVerifier({ policy: parsePolicy({ anchors: [anchor.did] }), recognitionLists: [list] });
  server = await startVerifierServer({ verifier, clientName: 'Bank of Saint Lucia' });
  const di = await issueDi(
    credential(dbIssuer.did, dbHolder.did, {
      '@context': [V2, UNDEFINED_TERMS],
      type: ['VerifiableCredential', NATIONAL_ID],
      credentialSubject: { id: dbHolder.did, givenName: 'Shanique', familyName: 'Campbell', nationality: 'JM' },
    }),
    dbIssuer,
  );
  const jwt = await jwtVc(jwtIssuer, jwtHolder.did, { vc: { credentialSubject: { givenName: 'Kemar', birthCountry: 'LC' } } });
  wallet = new W3cWallet(di, jwt);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('OpenID4VP with W3C credentials from independent producers', () => {
  it('ldp_vc: a Digital Bazaar Data Integrity presentation (challenge = nonce, domain = client_id) is accepted', async () => {
    const session = await server.presentations.createRequest({ needs: [NEEDS.id] });
    const request = await wallet.resolve(session.uri);
    expect(request.dcql.credentials).toEqual([expect.objectContaining({ id: 'national_id', format: 'ldp_vc' })]);
    const vpToken = await wallet.vpToken(request);
    expect(Object.keys(vpToken)).toEqual(['national_id']);
    const proof = (vpToken.national_id?.[0] as JsonObject | undefined)?.proof;
    expect(proof).toMatchObject({ cryptosuite: 'eddsa-rdfc-2022', challenge: session.nonce, domain: session.clientId });
    const answer = await wallet.submit(request, vpToken);
    expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const [shown] = (await server.presentations.session(session.id))?.outcome?.credentials ?? [];
    expect(shown).toMatchObject({
      queryId: 'national_id',
      format: 'di',
      issuer: dbIssuer.did,
      recognition: { source: 'list', country: 'JM', name: 'Registrar General, Jamaica', assuranceLevel: 'high' },
    });
    expect(shown?.claims).toMatchObject({ id: dbHolder.did, givenName: 'Shanique', nationality: 'JM' });
  });

  it('jwt_vc_json: a did-jwt-vc VP-JWT (nonce and aud claims) carrying a VCDM 1.1 VC-JWT is accepted', async () => {
    const session = await server.presentations.createRequest({ needs: [NEEDS.birth] });
    const request = await wallet.resolve(session.uri);
    const vpToken = await wallet.vpToken(request);
    expect(Object.keys(vpToken)).toEqual(['birth']);
    const answer = await wallet.submit(request, vpToken);
    expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const [shown] = (await server.presentations.session(session.id))?.outcome?.credentials ?? [];
    expect(shown).toMatchObject({
      queryId: 'birth',
      format: 'jwt_vc',
      issuer: jwtIssuer.did,
      recognition: { country: 'LC', name: 'Civil Registry, Saint Lucia', assuranceLevel: 'substantial' },
    });
    expect(shown?.claims).toMatchObject({ id: jwtHolder.did, birthCountry: 'LC' });
  });

  it('both needs in one request: two queries, answered in one response by both formats', async () => {
    const session = await server.presentations.createRequest({ needs: [NEEDS.id, NEEDS.birth] });
    const request = await wallet.resolve(session.uri);
    const vpToken = await wallet.vpToken(request);
    expect(Object.keys(vpToken).sort()).toEqual(['birth', 'national_id']);
    expect(await wallet.submit(request, vpToken)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const view = await server.presentations.session(session.id);
    expect(view?.outcome?.credentials.map((c) => [c.queryId, c.format]).sort()).toEqual([
      ['birth', 'jwt_vc'],
      ['national_id', 'di'],
    ]);
  });

  it('a Data Integrity presentation without a domain, or for another domain: AUDIENCE_MISMATCH', async () => {
    for (const domain of [null, 'redirect_uri:https://elsewhere.example/openid4vp/response']) {
      const session = await server.presentations.createRequest({ needs: [NEEDS.id] });
      const request = await wallet.resolve(session.uri);
      const answer = await wallet.submit(request, await wallet.vpToken(request, { domain }));
      expect(answer, String(domain)).toMatchObject({ status: 400, body: { status: 'refused', code: 'AUDIENCE_MISMATCH' } });
    }
  });

  it("presentations made for another request's nonce: NONCE_MISMATCH in both formats", async () => {
    for (const need of [NEEDS.id, NEEDS.birth]) {
      const session = await server.presentations.createRequest({ needs: [need] });
      const request = await wallet.resolve(session.uri);
      const answer = await wallet.submit(request, await wallet.vpToken(request, { challenge: 'an-older-requests-nonce-0000000' }));
      expect(answer, need.id).toMatchObject({ status: 400, body: { status: 'refused', code: 'NONCE_MISMATCH' } });
    }
  });

  it('a credential answering the other query (the VC-JWT for the ldp_vc query): QUERY_UNSATISFIED', async () => {
    const session = await server.presentations.createRequest({ needs: [NEEDS.id] });
    const request = await wallet.resolve(session.uri);
    const birth = await jwtVp(jwtHolder, [wallet.jwt], { nonce: session.nonce, aud: session.clientId });
    const answer = await wallet.submit(request, { national_id: [birth] });
    expect(answer).toMatchObject({ status: 400, body: { status: 'refused', code: 'QUERY_UNSATISFIED' } });
  });
});
