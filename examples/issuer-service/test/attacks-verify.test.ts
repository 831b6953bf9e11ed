import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKey, type TestKey, vpJwt } from '../../../packages/verifier/test/helpers/producers.js';
import { credentialDocument, post, startTestService, type TestService } from './helpers.js';

// Inputs an attacker can post to the public verify endpoints and the status lists:
// nothing is verified that should not be, nothing is a 500.

let service: TestService;
let holder: TestKey;
beforeAll(async () => {
  service = await startTestService();
  holder = didKey();
});
afterAll(async () => {
  await service.stop();
});

const V2 = 'https://www.w3.org/ns/credentials/v2';

async function issueJwt(subject: Record<string, unknown> = {}): Promise<string> {
  const res = await post(`${service.base}/credentials/issue`, { credential: credentialDocument(subject) }, service.adminKey);
  expect(res.status).toBe(201);
  const { verifiableCredential } = (await res.json()) as { verifiableCredential: { id: string } };
  return verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1);
}

interface Answer {
  verified: boolean;
  errors: Array<{ code: string; path?: string }>;
}

async function verify(endpoint: 'credentials' | 'presentations', body: unknown): Promise<{ status: number; body: Answer }> {
  const res = await post(`${service.base}/${endpoint}/verify`, body);
  return { status: res.status, body: (await res.json()) as Answer };
}

const envelope = (jwt: string) => ({ '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` });

describe('POST /credentials/verify with inputs built to pass', () => {
  it('refuses an envelope carrying members its signature does not cover, naming each; the bare envelope verifies', async () => {
    const jwt = await issueJwt();
    expect((await verify('credentials', { verifiableCredential: envelope(jwt) })).status).toBe(200);
    const smuggled = [
      [{ credentialSubject: { id: 'did:example:evil', givenName: 'Eve' } }, ['/credentialSubject']],
      [{ issuer: 'did:example:evil', validUntil: '2099-01-01T00:00:00Z' }, ['/issuer', '/validUntil']],
      [{ credentialStatus: [] }, ['/credentialStatus']],
    ] as const;
    for (const [extra, paths] of smuggled) {
      const { status, body } = await verify('credentials', { verifiableCredential: { ...envelope(jwt), ...extra } });
      expect(status).toBe(400);
      expect(body.verified).toBe(false);
      expect(body.errors.map((e) => e.path)).toEqual(paths);
      expect(body.errors.every((e) => e.code === 'MALFORMED')).toBe(true);
    }
  });

  it('refuses a presentation envelope carrying unsigned credentials beside its JWT', async () => {
    const vp = await vpJwt(holder, [await issueJwt({ id: holder.did })], { nonce: 'n-1' });
    const presentation = { '@context': [V2], type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${vp}` };
    expect((await verify('presentations', { verifiablePresentation: presentation, options: { challenge: 'n-1' } })).status).toBe(200);
    const { status, body } = await verify('presentations', {
      verifiablePresentation: { ...presentation, verifiableCredential: [envelope(await issueJwt({ id: 'did:example:other' }))] },
      options: { challenge: 'n-1' },
    });
    expect(status).toBe(400);
    expect(body.verified).toBe(false);
    expect(body.errors.map((e) => e.path)).toEqual(['/verifiableCredential']);
  });

  it('refuses a presentation whose enveloped credential carries claims beside the JWT the issuer signed (the holder signed them, the issuer did not)', async () => {
    const forged = { ...envelope(await issueJwt({ id: holder.did })), credentialSubject: { id: holder.did, degree: 'PhD' } };
    const vp = await vpJwt(holder, [], { nonce: 'n-2', verifiableCredential: [forged] });
    const presentation = { '@context': [V2], type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${vp}` };
    const { status, body } = await verify('presentations', { verifiablePresentation: presentation, options: { challenge: 'n-2' } });
    expect(status).toBe(400);
    expect(body.verified).toBe(false);
    expect(body.errors.map((e) => [e.code, e.path])).toContainEqual(['MALFORMED', '/payload/verifiableCredential/0/credentialSubject']);
  });

  it('refuses a JwtProof2020 wrapper whose members beside the proof say something else than its JWT; the faithful one verifies', async () => {
    const doc = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential'],
      issuer: service.did,
      credentialSubject: { id: 'did:example:ana', givenName: 'Ana' },
    };
    const res = await post(`${service.base}/credentials/issue`, { credential: doc, options: { format: 'jwt_vc' } }, service.adminKey);
    const { verifiableCredential } = (await res.json()) as { verifiableCredential: { id: string } };
    const jwt = verifiableCredential.id.slice(verifiableCredential.id.indexOf(',') + 1);
    const vc = (decodeJwt(jwt) as { vc: Record<string, unknown> }).vc;
    const proof = { type: 'JwtProof2020', jwt };
    expect((await verify('credentials', { verifiableCredential: { ...vc, proof } })).status).toBe(200);
    const forged = [
      [{ credentialSubject: { id: 'did:example:eve', givenName: 'Eve' } }, '/verifiableCredential/credentialSubject'],
      [{ issuer: 'did:example:evil' }, '/verifiableCredential/issuer'],
      [{ expirationDate: '2099-01-01T00:00:00Z' }, '/verifiableCredential/expirationDate'],
    ] as const;
    for (const [change, path] of forged) {
      const { status, body } = await verify('credentials', { verifiableCredential: { ...vc, ...change, proof } });
      expect(status, path).toBe(400);
      expect(body.verified).toBe(false);
      expect(body.errors.map((e) => e.path)).toEqual([path]);
    }
  });

  it('answers altered, re-encoded, unsigned, wrapped and oversized inputs verified: false, whatever options.checks says', async () => {
    const jwt = await issueJwt();
    const [h, p] = jwt.split('.') as [string, string, string];
    const claims = decodeJwt(jwt);
    const inputs: unknown[] = [
      { ...envelope(jwt), id: `data:application/vc+jwt;base64,${Buffer.from(jwt).toString('base64')}` },
      envelope(`${jwt}x`),
      envelope(`${h}.${p}.`),
      envelope(`${Buffer.from('{"alg":"none","typ":"vc+jwt"}').toString('base64url')}.${p}.`),
      envelope(
        `${Buffer.from(JSON.stringify({ ...decodeProtectedHeader(jwt), alg: 'HS256' })).toString('base64url')}.${p}.${jwt.split('.')[2]}`,
      ),
      envelope(
        `${h}.${Buffer.from(JSON.stringify({ ...claims, credentialSubject: { id: 'did:example:evil' } })).toString('base64url')}.${jwt.split('.')[2]}`,
      ),
      { ...envelope(jwt), type: ['EnvelopedVerifiableCredential', 'EnvelopedVerifiablePresentation'] },
      { ...envelope(jwt), id: `data:,${jwt}` },
      envelope('a'.repeat(900_000)),
      { ...claims },
      { ...claims, proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofValue: 'z1' } },
      { verifiableCredential: envelope(jwt) },
      [envelope(jwt)],
    ];
    for (const [i, input] of inputs.entries()) {
      for (const options of [undefined, { checks: [] }, { checks: ['none'] }]) {
        const { status, body } = await verify('credentials', { verifiableCredential: input, ...(options ? { options } : {}) });
        expect(status, `input ${i}`).toBe(400);
        expect(body.verified, `input ${i}`).toBe(false);
        expect(body.errors.length, `input ${i}`).toBeGreaterThan(0);
      }
    }
  });

  it('holds a presentation to the challenge and domain asked for', async () => {
    const vp = await vpJwt(holder, [await issueJwt({ id: holder.did })], { nonce: 'n-2', aud: 'https://bank.example' });
    const presentation = { '@context': [V2], type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${vp}` };
    const refused = [
      [{ challenge: '' }, 'NONCE_MISMATCH'],
      [{ challenge: 'n-3' }, 'NONCE_MISMATCH'],
      [{ challenge: 'n-2', domain: 'https://other.example' }, 'AUDIENCE_MISMATCH'],
    ] as const;
    for (const [options, code] of refused) {
      const { status, body } = await verify('presentations', { verifiablePresentation: presentation, options });
      expect(status).toBe(400);
      expect(body.errors.map((e) => e.code)).toContain(code);
    }
    const unbound = await vpJwt(holder, [await issueJwt({ id: holder.did })]);
    const { body } = await verify('presentations', {
      verifiablePresentation: { ...presentation, id: `data:application/vp+jwt,${unbound}` },
      options: { challenge: 'n-2' },
    });
    expect(body.errors.map((e) => e.code)).toContain('NONCE_MISMATCH');
  });
});

describe('GET /status/<n> with odd numbers', () => {
  it('answers 404 for anything but a list number in its plain decimal form', async () => {
    await issueJwt();
    for (const n of ['-1', '0', '0x10', '1e3', '99999999999', '..%2f', '1%00', '01', '+1', '%201', '1.0', '1/', '1;x', '１']) {
      const res = await fetch(`${service.base}/status/${n}`);
      expect(res.status, n).toBe(404);
      expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('NOT_FOUND');
    }
  });

  it('after a key rotation serves its lists signed by the new key, which the DID document lists', async () => {
    const jwt = await issueJwt();
    const list = (decodeJwt(jwt) as { credentialStatus: Array<{ statusListCredential: string }> }).credentialStatus[0]
      ?.statusListCredential as string;
    const before = decodeProtectedHeader(await (await fetch(list)).text()).kid;
    const rotated = (await (await post(`${service.base}/keys/rotate`, {}, service.adminKey)).json()) as { verificationMethod: string };
    expect(rotated.verificationMethod).not.toBe(before);
    const served = await (await fetch(list)).text();
    expect(decodeProtectedHeader(served).kid).toBe(rotated.verificationMethod);
    // The credential signed before the rotation still verifies (its key is retired, not removed).
    expect((await verify('credentials', { verifiableCredential: envelope(jwt) })).status).toBe(200);
  });
});
