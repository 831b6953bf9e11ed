// `tradewind issue --format di`: a VCDM 2.0 credential with a Data Integrity proof,
// printed as JSON, that an independent verifier (@digitalbazaar/vc) accepts; `status
// publish` then writes the Data Integrity form of the lists beside their JWTs.
// Threats: a di credential printed as something else, a context fetched instead of
// refused, a VCDM 1.1 document signed as di, a flag silently taken for another format.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@tradewind/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbVerify, staticLoader } from '../../issuer/test/helpers/di-digitalbazaar.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-issue-di-'));
const db = join(dir, 'issuer.db');
const env = { TRADEWIND_SECRET: 'di issuer secret', TRADEWIND_ISSUER_DB: db };
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The agency's context (a local copy): it defines the terms of its credentials. */
const AGENCY = 'https://registry.gov.example/contexts/v1';
const AGENCY_CONTEXT = { '@context': { '@vocab': 'https://registry.gov.example/vocab#' } };
const agencyFile = join(dir, 'agency-context.json');
writeFileSync(agencyFile, JSON.stringify(AGENCY_CONTEXT));
const CONTEXT_FLAG = ['--context', `${AGENCY}=${agencyFile}`];
const CONTEXTS = { [AGENCY]: AGENCY_CONTEXT };

beforeAll(async () => {
  const r = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

/** The did:key DID document of a did:key verification method (`did:key:z…#z…`), its key as a Multikey. */
function didKeyDocumentOf(verificationMethod: string): JsonObject {
  const [did, fragment] = verificationMethod.split('#') as [string, string];
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id: verificationMethod, type: 'Multikey', controller: did, publicKeyMultibase: fragment }],
    assertionMethod: [verificationMethod],
  };
}

describe('tradewind issue --format di', () => {
  let credential: JsonObject;

  it('prints the credential as JSON, with an eddsa-rdfc-2022 proof @digitalbazaar/vc verifies', async () => {
    const r = await runMain(
      ['issue', '--format', 'di', ...CONTEXT_FLAG, '--type', 'NationalIdCredential', '--subject-id', HOLDER, '--claim', 'givenName=Ana'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(di)');
    credential = JSON.parse(r.stdout) as JsonObject;
    expect(credential).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2', AGENCY],
      type: ['VerifiableCredential', 'NationalIdCredential'],
      credentialSubject: { id: HOLDER, givenName: 'Ana' },
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' },
    });
    const vm = (credential.proof as Record<string, string>).verificationMethod as string;
    expect(vm.startsWith(`${credential.issuer as string}#z6Mk`)).toBe(true);
    const result = await dbVerify(
      { ...credential, credentialStatus: undefined } as JsonObject,
      staticLoader([didKeyDocumentOf(vm)], CONTEXTS),
    );
    // Without its status entry the signature no longer covers the document: DB must refuse it.
    expect(result.verified).toBe(false);
  });

  it('status publish writes the Data Integrity lists; revocation shows in them', async () => {
    const vm = (credential.proof as Record<string, string>).verificationMethod as string;
    const url = (credential.credentialStatus as Record<string, string>).statusListCredential as string;
    const n = url.slice(url.lastIndexOf('/') + 1);
    const read = async (out: string) => {
      expect((await runMain(['status', 'publish', '--out', out], { env })).code).toBe(0);
      return JSON.parse(readFileSync(join(out, `${n}.json`), 'utf8')) as JsonObject;
    };
    const before = await dbVerify(credential, staticLoader([didKeyDocumentOf(vm)], { ...CONTEXTS, [url]: await read(join(dir, 'pub1')) }));
    expect(before.error).toBeUndefined();
    expect(before.verified).toBe(true);
    expect(before.statusResult?.results?.[0]?.status).toBe(false);
    expect((await runMain(['status', 'revoke', credential.id as string], { env })).code).toBe(0);
    const after = await dbVerify(credential, staticLoader([didKeyDocumentOf(vm)], { ...CONTEXTS, [url]: await read(join(dir, 'pub2')) }));
    expect(after.statusResult?.results?.[0]?.status).toBe(true);
  });

  it('--json gives the credential itself, not a jwt member', async () => {
    const r = await runMain(['issue', '--format', 'di', ...CONTEXT_FLAG, '--type', 'T', '--claim', 'a=1', '--status', 'none', '--json'], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as JsonObject;
    expect(out).toMatchObject({ format: 'di', credential: { proof: { cryptosuite: 'eddsa-rdfc-2022' } } });
    expect(out.jwt).toBeUndefined();
  });

  it('signs a --credential document as di, and --out writes the JSON', async () => {
    const file = join(dir, 'doc.json');
    writeFileSync(
      file,
      JSON.stringify({
        '@context': ['https://www.w3.org/ns/credentials/v2', AGENCY],
        type: ['VerifiableCredential', 'BirthCertificate'],
        credentialSubject: { id: HOLDER, name: 'Ana' },
      }),
    );
    const out = join(dir, 'birth.json');
    const r = await runMain(['issue', '--format', 'di', ...CONTEXT_FLAG, '--credential', file, '--status', 'none', '--out', out], { env });
    expect(r.code, r.stderr).toBe(0);
    const signed = JSON.parse(readFileSync(out, 'utf8')) as JsonObject;
    const vm = (signed.proof as Record<string, string>).verificationMethod as string;
    expect(signed['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', AGENCY]);
    const result = await dbVerify(signed, staticLoader([didKeyDocumentOf(vm)], CONTEXTS));
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('refuses a context not available offline (exit 1, MALFORMED), and secures a VCDM 1.1 document', async () => {
    const unknown = join(dir, 'unknown.json');
    writeFileSync(
      unknown,
      JSON.stringify({
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://contexts.example/v9'],
        type: ['VerifiableCredential'],
        credentialSubject: { id: HOLDER },
      }),
    );
    const r = await runMain(['issue', '--format', 'di', '--credential', unknown, '--status', 'none', '--json'], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'MALFORMED' });
    expect(r.stdout + r.stderr).toContain('context not available offline: https://contexts.example/v9');
    const v1 = join(dir, 'v1.json');
    writeFileSync(
      v1,
      JSON.stringify({
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential'],
        credentialSubject: { id: HOLDER },
      }),
    );
    // A VCDM 1.1 document is secured too, with the Data Integrity context added.
    const old = await runMain(['issue', '--format', 'di', '--credential', v1, '--status', 'none', '--json'], { env });
    expect(old.code, old.stderr).toBe(0);
    const signed = (JSON.parse(old.stdout) as { credential: JsonObject }).credential;
    expect(signed['@context']).toEqual(['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/data-integrity/v2']);
    const vm = (signed.proof as Record<string, string>).verificationMethod as string;
    expect((await dbVerify(signed, staticLoader([didKeyDocumentOf(vm)], CONTEXTS))).verified).toBe(true);
  });

  it('refuses undefined claims with the way to define them, and --context without --format di', async () => {
    const r = await runMain(['issue', '--format', 'di', '--type', 'T', '--claim', 'a=1', '--status', 'none'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must be defined by its @context');
    const jose = await runMain(['issue', ...CONTEXT_FLAG, '--type', 'T', '--claim', 'a=1', '--status', 'none'], { env });
    expect(jose.code).toBe(2);
    expect(jose.stderr).toContain('--context goes with --format di');
    const missing = await runMain(
      ['issue', '--format', 'di', '--context', `${AGENCY}=${join(dir, 'nope.json')}`, '--type', 'T', '--claim', 'a=1'],
      {
        env,
      },
    );
    expect(missing.code).toBe(2);
  });

  it('names di among the formats when --format is wrong', async () => {
    const r = await runMain(['issue', '--format', 'ldp_vc', '--type', 'T', '--claim', 'a=1'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('vc+jwt, jwt_vc, dc+sd-jwt or di');
  });
});
