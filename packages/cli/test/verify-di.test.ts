// tradewind verify on Data Integrity credentials and presentations made by
// @digitalbazaar/vc: --context URL=FILE and --did-document ID=FILE give the offline
// material (nothing is fetched), bad flag values are usage errors (exit 2).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  credential,
  type DiSigner,
  didDocument,
  diSigner,
  EXTRA_CONTEXTS,
  issueDi,
  presentDi,
  V2,
} from '../../verifier/test/helpers/di-issue.js';
import { tempFiles } from './helpers/credentials.js';
import { runMain } from './helpers/run-main.js';

const files = tempFiles();
const NOW = '2026-06-01T12:00:00Z';
const DID = 'did:web:registry.gov.tt';
const CONTEXT_URL = 'https://contexts.registry.gov.tt/national-id/v1';
const CONTEXT = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    NationalIdCredential: 'https://contexts.registry.gov.tt/national-id#NationalIdCredential',
    nationalIdNumber: 'https://contexts.registry.gov.tt/national-id#nationalIdNumber',
  },
};

let issuer: DiSigner;
let holder: DiSigner;
let credentialFile: string;
let presentationFile: string;
let contextFile: string;
let didFile: string;

beforeAll(async () => {
  EXTRA_CONTEXTS.set(CONTEXT_URL, CONTEXT);
  issuer = await diSigner('eddsa-rdfc-2022', { seed: 51, did: DID });
  holder = await diSigner('Ed25519Signature2020', { seed: 52 });
  const vc = await issueDi(
    credential(DID, holder.did, {
      '@context': [V2, CONTEXT_URL],
      type: ['VerifiableCredential', 'NationalIdCredential'],
      credentialSubject: { id: holder.did, nationalIdNumber: 'TT-19850412-0042' },
    }),
    issuer,
  );
  credentialFile = files.write('id.json', JSON.stringify(vc, null, 2));
  presentationFile = files.write(
    'vp.json',
    JSON.stringify(await presentDi([vc], holder, { challenge: 'n-7xQ2', domain: 'https://bank.example.bb' })),
  );
  contextFile = files.write('context.json', JSON.stringify(CONTEXT));
  didFile = files.write('did.json', JSON.stringify(didDocument(issuer)));
});

const flags = () => ['--context', `${CONTEXT_URL}=${contextFile}`, '--did-document', `${DID}=${didFile}`, '--now', NOW];

describe('tradewind verify, Data Integrity', () => {
  it('verifies a credential with its context and DID document given as files', async () => {
    const r = await runMain(['verify', credentialFile, ...flags()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED/);
    expect(r.stdout).toContain('format      di');
    expect(r.stdout).toContain('proof       DataIntegrityProof eddsa-rdfc-2022, created 2026-01-01T00:00:00.000Z');
    const json = await runMain(['verify', credentialFile, ...flags(), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: true, format: 'di', issuer: DID, keyId: `${DID}#key-1` });
  });

  it('says which context is missing, and that the DID does not resolve, when the files are not given (exit 1)', async () => {
    const noContext = await runMain(['verify', credentialFile, '--did-document', `${DID}=${didFile}`, '--now', NOW, '--json']);
    expect(noContext.code).toBe(1);
    expect(JSON.parse(noContext.stdout).errors[0]).toMatchObject({ code: 'MALFORMED' });
    const noDid = await runMain(['verify', credentialFile, '--context', `${CONTEXT_URL}=${contextFile}`, '--now', NOW, '--json']);
    expect(noDid.code).toBe(1);
    expect(JSON.parse(noDid.stdout).errors[0]).toMatchObject({ code: 'DID_UNRESOLVABLE' });
  });

  it('verifies a presentation with its challenge and domain, and refuses another nonce', async () => {
    const ok = await runMain(['verify', presentationFile, ...flags(), '--nonce', 'n-7xQ2', '--audience', 'https://bank.example.bb']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^VERIFIED presentation/);
    expect(ok.stdout).toContain('proof       Ed25519Signature2020');
    const replay = await runMain(['verify', presentationFile, ...flags(), '--nonce', 'other', '--json']);
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout).errors.map((e: { code: string }) => e.code)).toEqual(['NONCE_MISMATCH']);
  });

  it('refuses bad --context and --did-document values as usage errors (exit 2)', async () => {
    const notJson = files.write('not.json', '{nope');
    const otherDoc = files.write('other-did.json', JSON.stringify({ ...didDocument(issuer), id: 'did:web:elsewhere.example' }));
    for (const bad of [
      ['--context', contextFile],
      ['--context', `not a url=${contextFile}`],
      ['--context', `${CONTEXT_URL}=${notJson}`],
      ['--context', `${CONTEXT_URL}=${contextFile}`, '--context', `${CONTEXT_URL}=${contextFile}`],
      ['--did-document', `${DID}=${otherDoc}`],
      ['--did-document', `urn:x:y=${didFile}`],
      ['--did-document', `${DID}=${files.dir}/missing.json`],
    ]) {
      const r = await runMain(['verify', credentialFile, ...bad, '--now', NOW]);
      expect([bad.join(' '), r.code]).toEqual([bad.join(' '), 2]);
      expect(r.stderr).not.toBe('');
    }
  });
});
