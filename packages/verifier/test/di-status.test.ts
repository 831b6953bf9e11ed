// Status of Data Integrity credentials through status list credentials that are
// themselves Data Integrity signed (as MOSIP Inji Certify publishes them): Bitstring
// Status List (VCDM 2.0) and StatusList2021 (VCDM 1.1), made by @digitalbazaar/vc.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, createVerifier, verifyCredential } from '../src/index.js';
import { credential, type DiSigner, diSigner, issueDi, statusList, statusList2021, V1 } from './helpers/di-issue.js';
import { NOW } from './helpers/producers.js';

const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const LIST = 'https://status.registry.example/lists/1';
const LIST_2021 = 'https://status.registry.example/lists/2021-1';

describe('status of Data Integrity credentials through DI-signed status lists', () => {
  let issuer: DiSigner;
  let other: DiSigner;

  beforeAll(async () => {
    issuer = await diSigner('Ed25519Signature2020', { seed: 41 });
    other = await diSigner('Ed25519Signature2020', { seed: 42 });
  });

  const withStatus = (index: string) =>
    credential(issuer.did, 'did:example:alice', {
      credentialStatus: {
        id: `${LIST}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: index,
        statusListCredential: LIST,
      },
    });

  it('verifies a credential whose bit is clear and refuses one whose bit is set (REVOKED)', async () => {
    const list = await statusList(LIST, issuer, [7]);
    const verifier = createVerifier({ now: NOW, status: { lists: { [LIST]: list } } });
    const good = await verifier.verifyCredential(await issueDi(withStatus('6'), issuer));
    expect(good.verified, JSON.stringify(good)).toBe(true);
    expect(good.checks).toEqual(['dataModel', 'proof', 'validity', 'status']);
    const revoked = await verifier.verifyCredential(await issueDi(withStatus('7'), issuer));
    expect(codes(revoked)).toEqual(['REVOKED']);
    expect(revoked.verified ? '' : revoked.errors[0]?.path).toBe('/credentialStatus');
  });

  it('reads a list given as JSON text', async () => {
    const list = JSON.stringify(await statusList(LIST, issuer, [7]));
    const r = await verifyCredential(await issueDi(withStatus('7'), issuer), { now: NOW, status: { lists: { [LIST]: list } } });
    expect(codes(r)).toEqual(['REVOKED']);
  });

  it('refuses a list signed by another issuer, or tampered, as unavailable (STATUS_UNAVAILABLE)', async () => {
    const foreign = await statusList(LIST, other, []);
    const r = await verifyCredential(await issueDi(withStatus('7'), issuer), { now: NOW, status: { lists: { [LIST]: foreign } } });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain('not by the credential');
    // The issuer's list with the revoked bit cleared after signing: the proof fails.
    const signed = await statusList(LIST, issuer, [7]);
    const clean = await statusList(LIST, other, []);
    const forged = { ...signed, credentialSubject: clean.credentialSubject };
    const t = await verifyCredential(await issueDi(withStatus('7'), issuer), { now: NOW, status: { lists: { [LIST]: forged } } });
    expect(codes(t)).toEqual(['STATUS_UNAVAILABLE']);
    expect(t.verified ? '' : t.errors[0]?.message).toContain('does not verify: SIGNATURE_INVALID');
  });

  it('refuses without a list (STATUS_UNAVAILABLE), or warns when the caller says so', async () => {
    const vc = await issueDi(withStatus('7'), issuer);
    expect(codes(await verifyCredential(vc, { now: NOW }))).toEqual(['STATUS_UNAVAILABLE']);
    const warned = await verifyCredential(vc, { now: NOW, status: { onUnavailable: 'warn' } });
    expect(warned.verified).toBe(true);
    if (warned.verified) expect(warned.warnings.map((w) => w.code)).toEqual(['STATUS_UNAVAILABLE']);
  });

  it('checks StatusList2021Entry against a DI-signed StatusList2021Credential (VCDM 1.1)', async () => {
    const list = await statusList2021(LIST_2021, issuer, [3]);
    const entry = (index: string) => ({
      '@context': [V1, 'https://w3id.org/vc/status-list/2021/v1'],
      type: ['VerifiableCredential'],
      issuer: issuer.did,
      issuanceDate: '2026-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:alice' },
      credentialStatus: {
        id: `${LIST_2021}#${index}`,
        type: 'StatusList2021Entry',
        statusPurpose: 'revocation',
        statusListIndex: index,
        statusListCredential: LIST_2021,
      },
    });
    const verifier = createVerifier({ now: NOW, status: { lists: { [LIST_2021]: list } } });
    const good = await verifier.verifyCredential(await issueDi(entry('2'), issuer));
    expect(good.verified, JSON.stringify(good)).toBe(true);
    expect(codes(await verifier.verifyCredential(await issueDi(entry('3'), issuer)))).toEqual(['REVOKED']);
  });

  it('judges a DI list by its age from validFrom (maxAgeSeconds)', async () => {
    const list = await statusList(LIST, issuer, []);
    const r = await verifyCredential(await issueDi(withStatus('1'), issuer), {
      now: NOW,
      status: { lists: { [LIST]: list }, maxAgeSeconds: 3600 },
    });
    expect(codes(r)).toEqual(['STATUS_UNAVAILABLE']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain('older than the allowed 3600 s');
  });
});
