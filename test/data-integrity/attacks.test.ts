// Attacks on Data Integrity verification, against the built package (packages/verifier/dist:
// `flock /tmp/tw-build.lock pnpm build` first). Each attack has an untouched twin that
// verifies, so a refusal is the attack's doing, and each refusal has its typed code.
// Proofs are made here with the verifier's own signing input (`./data-integrity`) and
// node:crypto Ed25519 keys, so every field of a proof can be chosen.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { jwkToMultikey } from '@tradewind/core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as di from '../../packages/verifier/dist/bundle/data-integrity.js';
import { verifyCredential, verifyPresentation } from '../../packages/verifier/dist/index.js';

type Json = Record<string, unknown>;
type Result = { verified: boolean; errors?: Array<{ code: string; message: string }>; warnings?: Array<{ code: string; message: string }> };

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const TYPE_CONTEXT = 'https://contexts.registry.example.tt/national-id/v1';
const typeContext: Json = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    nid: 'https://contexts.registry.example.tt/vocab#',
    NationalIdCredential: 'nid:NationalIdCredential',
    fullName: 'nid:fullName',
    nationalIdNumber: 'nid:nationalIdNumber',
    placeOfBirth: 'nid:placeOfBirth',
  },
};
const contexts = { [TYPE_CONTEXT]: typeContext };
const loader = di.createDocumentLoader({ contexts });
const now = Date.now();
const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Key {
  did: string;
  vm: string;
  privateKey: KeyObject;
  multikey: string;
}
function newKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const multikey = jwkToMultikey(publicKey.export({ format: 'jwk' }) as never);
  const did = `did:key:${multikey}`;
  return { did, vm: `${did}#${multikey}`, privateKey, multikey };
}

async function prove(document: Json, key: Key, proof: Json = {}): Promise<Json> {
  const { proof: _old, ...unsigned } = document;
  const options: Json = {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-rdfc-2022',
    created: iso(now - 3_600_000),
    verificationMethod: key.vm,
    proofPurpose: 'assertionMethod',
    ...proof,
  };
  const data = await di.dataIntegritySigningInput(unsigned as never, options as never, { loader });
  return { ...unsigned, proof: { ...options, proofValue: di.encodeProofValue(new Uint8Array(sign(null, data, key.privateKey))) } };
}

function credential(issuer: Key, subject: Json = {}, extra: Json = {}): Json {
  return {
    '@context': [VC_V2, TYPE_CONTEXT],
    id: 'urn:uuid:4f1b7a52-0c7e-4d0e-9a1b-77f3e2c1d0a9',
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: issuer.did,
    validFrom: iso(now - 86_400_000),
    credentialSubject: { id: 'did:example:holder-1', fullName: 'José Ramírez', nationalIdNumber: '19900412-0042', ...subject },
    ...extra,
  };
}
const opts = (extra: Json = {}) => ({ dataIntegrity: { contexts }, ...extra });
const verify = (c: unknown, extra: Json = {}) => verifyCredential(c, opts(extra) as never) as Promise<Result>;
const codes = (r: Result) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));
async function expectVerified(c: unknown, extra: Json = {}) {
  const r = await verify(c, extra);
  expect(r.verified ? [] : r.errors).toEqual([]);
}
async function expectRefused(c: unknown, code: string | string[], extra: Json = {}) {
  const r = await verify(c, extra);
  expect(r.verified).toBe(false);
  expect([code].flat()).toContain(codes(r)[0]);
  return r;
}

let issuer: Key;
let other: Key;
let good: Json;
beforeAll(async () => {
  issuer = newKey();
  other = newKey();
  good = await prove(credential(issuer), issuer);
});

describe('a proof bound to another document', () => {
  it('the same proof over a swapped credentialSubject fails', async () => {
    await expectVerified(good);
    const swapped = {
      ...structuredClone(good),
      credentialSubject: { id: 'did:example:holder-2', fullName: 'Ana Joseph', nationalIdNumber: '19851101-0311' },
    };
    await expectRefused(swapped, 'SIGNATURE_INVALID');
  });
  it('a proof copied from another credential of the same issuer fails', async () => {
    const otherCredential = await prove(
      credential(issuer, { fullName: 'Ana Joseph' }, { id: 'urn:uuid:00000000-0000-4000-8000-000000000002' }),
      issuer,
    );
    await expectVerified(otherCredential);
    await expectRefused({ ...structuredClone(good), proof: structuredClone(otherCredential.proof) }, 'SIGNATURE_INVALID');
  });
});

describe('context substitution', () => {
  it('a caller-supplied context that maps a term elsewhere breaks the signature', async () => {
    const redefined = structuredClone(typeContext);
    ((redefined['@context'] as Json).fullName as unknown) = 'nid:aliasName';
    await expectVerified(good);
    await expectRefused(good, 'SIGNATURE_INVALID', { dataIntegrity: { contexts: { [TYPE_CONTEXT]: redefined } } });
  });
  it('a caller-supplied document for a bundled URL is refused (MALFORMED), not used', async () => {
    const fake = { '@context': { '@vocab': 'https://evil.example/#' } };
    const r = await expectRefused(good, 'MALFORMED', { dataIntegrity: { contexts: { ...contexts, [VC_V2]: fake } } });
    expect(r.errors?.[0]?.message).toMatch(/credentials\/v2/);
  });
  it('an inline context in the credential that redefines a protected term is MALFORMED', async () => {
    const c = structuredClone(good);
    c['@context'] = [VC_V2, TYPE_CONTEXT, { fullName: 'https://evil.example/#name' }];
    await expectRefused(c, 'MALFORMED');
  });
  it('a pinned context whose hash does not match is MALFORMED; the right hash loads it', async () => {
    const right = await di.contextDigest(typeContext as never);
    const pinnedLoader = di.createDocumentLoader({ pinned: [{ url: TYPE_CONTEXT, sha256: right, document: typeContext as never }] });
    expect((await pinnedLoader(TYPE_CONTEXT)).document).toEqual(typeContext);
    const wrong = di.createDocumentLoader({ pinned: [{ url: TYPE_CONTEXT, sha256: '0'.repeat(64), document: typeContext as never }] });
    await expect(wrong(TYPE_CONTEXT)).rejects.toMatchObject({ code: 'MALFORMED' });
    const mismatch = di.createDocumentLoader({ contexts, pinned: [{ url: TYPE_CONTEXT, sha256: '0'.repeat(64) }] });
    await expect(mismatch(TYPE_CONTEXT)).rejects.toMatchObject({ code: 'MALFORMED' });
  });
});

describe('verification methods and purposes', () => {
  it("a verification method of another DID (signed by that DID's key) is refused", async () => {
    const foreign = await prove(credential(issuer), other);
    await expectRefused(foreign, ['KEY_NOT_FOUND', 'SIGNATURE_INVALID', 'UNTRUSTED_ISSUER']);
    await expectVerified(await prove(credential(other), other));
  });

  const web = 'did:web:registry.example.tt';
  const webDoc = (key: Key, relationships: Json): Json => ({
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: web,
    verificationMethod: [{ id: `${web}#key-1`, type: 'Multikey', controller: web, publicKeyMultibase: key.multikey }],
    ...relationships,
  });
  it('a key not listed under assertionMethod is refused (KEY_NOT_FOUND)', async () => {
    const key = { ...issuer, did: web, vm: `${web}#key-1` };
    const c = await prove(credential(key), key);
    await expectVerified(c, { dataIntegrity: { contexts, documents: [webDoc(key, { assertionMethod: [`${web}#key-1`] })] } });
    await expectRefused(c, 'KEY_NOT_FOUND', {
      dataIntegrity: { contexts, documents: [webDoc(key, { authentication: [`${web}#key-1`] })] },
    });
    // The DID itself in assertionMethod is a MOSIP deviation: strict mode refuses it.
    await expectRefused(c, 'KEY_NOT_FOUND', { dataIntegrity: { contexts, documents: [webDoc(key, { assertionMethod: [web] })] } });
  });
  it('an authentication proof does not stand in for an assertion', async () => {
    const auth = await prove(credential(issuer), issuer, { proofPurpose: 'authentication', challenge: 'c1', domain: 'https://v.example' });
    await expectRefused(auth, ['SIGNATURE_INVALID', 'MALFORMED', 'KEY_NOT_FOUND']);
  });
  it('a presentation whose proof is an assertion, not authentication, is refused', async () => {
    const holder = newKey();
    const vc = await prove(credential(issuer, { id: holder.did }), issuer);
    const vp = { '@context': [VC_V2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vc] };
    const twin = await prove(vp, holder, { proofPurpose: 'authentication', challenge: 'n-1', domain: 'https://v.example' });
    const r = (await verifyPresentation(twin, { ...opts(), nonce: 'n-1', audience: 'https://v.example' } as never)) as Result;
    expect(r.verified ? [] : r.errors).toEqual([]);
    const asserted = await prove(vp, holder, { proofPurpose: 'assertionMethod', challenge: 'n-1', domain: 'https://v.example' });
    const bad = (await verifyPresentation(asserted, { ...opts(), nonce: 'n-1', audience: 'https://v.example' } as never)) as Result;
    expect(bad.verified).toBe(false);
  });
});

describe('time and replay', () => {
  it('an expired proof is EXPIRED; a proof created in the future is NOT_YET_VALID', async () => {
    await expectVerified(await prove(credential(issuer), issuer, { expires: iso(now + 3_600_000) }));
    await expectRefused(await prove(credential(issuer), issuer, { expires: iso(now - 3_600_000) }), 'EXPIRED');
    await expectRefused(await prove(credential(issuer), issuer, { created: iso(now + 3 * 3_600_000) }), 'NOT_YET_VALID');
    // Within the clock skew it is fine.
    await expectVerified(await prove(credential(issuer), issuer, { created: iso(now + 20_000) }));
  });
  it('a presentation replayed with another challenge or domain is refused', async () => {
    const holder = newKey();
    const vc = await prove(credential(issuer, { id: holder.did }), issuer);
    const vp = await prove(
      { '@context': [VC_V2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vc] },
      holder,
      {
        proofPurpose: 'authentication',
        challenge: 'challenge-for-A',
        domain: 'https://verifier-a.example',
      },
    );
    const check = (nonce: string, audience: string) => verifyPresentation(vp, { ...opts(), nonce, audience } as never) as Promise<Result>;
    expect(codes(await check('challenge-for-A', 'https://verifier-a.example'))).toEqual([]);
    expect(codes(await check('challenge-for-B', 'https://verifier-a.example'))).toContain('NONCE_MISMATCH');
    expect(codes(await check('challenge-for-A', 'https://verifier-b.example'))).toContain('AUDIENCE_MISMATCH');
    // A presentation without a challenge is refused by a verifier that expects one.
    const none = await prove(
      { '@context': [VC_V2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vc] },
      holder,
      {
        proofPurpose: 'authentication',
      },
    );
    expect(codes((await verifyPresentation(none, { ...opts(), nonce: 'challenge-for-A' } as never)) as Result)).toContain('NONCE_MISMATCH');
  });
});

describe('proof sets and chains', () => {
  it('a proof set with one proof that does not verify is refused', async () => {
    const second = await prove(credential(issuer), other);
    await expectRefused(
      { ...structuredClone(good), proof: [good.proof, { ...(second.proof as Json), proofValue: (good.proof as Json).proofValue }] },
      ['SIGNATURE_INVALID', 'KEY_NOT_FOUND'],
    );
  });
  it('the same proof twice verifies as that proof; a second copy with a changed member is refused', async () => {
    const r = await verify({ ...structuredClone(good), proof: [good.proof, good.proof] });
    expect(r.verified ? [] : r.errors).toEqual([]);
    const altered = { ...(good.proof as Json), created: iso(now - 7_200_000) };
    await expectRefused({ ...structuredClone(good), proof: [good.proof, altered] }, 'SIGNATURE_INVALID');
  });
  it('more proofs than the limit are refused', async () => {
    const r = await verify({ ...structuredClone(good), proof: Array.from({ length: 5 }, () => good.proof) });
    expect(r.verified).toBe(false);
    expect(['LIMIT_EXCEEDED', 'MALFORMED']).toContain(codes(r)[0]);
  });
  it('a proof chain (previousProof) is UNSUPPORTED_FORMAT', async () => {
    const first = await prove(credential(issuer), issuer, { id: 'urn:uuid:proof-1' });
    const chained = await prove(credential(issuer), issuer, { id: 'urn:uuid:proof-2', previousProof: 'urn:uuid:proof-1' });
    await expectVerified(first);
    await expectRefused({ ...structuredClone(first), proof: [first.proof, chained.proof] }, 'UNSUPPORTED_FORMAT');
  });
});

describe('JSON-LD bombs are bounded (LIMIT_EXCEEDED)', () => {
  // JSON-LD expansion of this document is slow in jsonld 9 (tens of seconds), hence the timeout.
  it('a credential that expands to more quads than the limit', { timeout: 120_000 }, async () => {
    const big = credential(issuer, { nationalIdNumber: Array.from({ length: 10_050 }, (_, i) => `n${i}`) });
    await expectRefused({ ...big, proof: good.proof }, 'LIMIT_EXCEEDED');
  });
  it('an array longer than 1,000 values, or more than 20,000 values in all, before any JSON-LD work', async () => {
    const long = credential(issuer, { nationalIdNumber: Array.from({ length: 1_001 }, (_, i) => `n${i}`) });
    await expectRefused({ ...long, proof: good.proof }, 'LIMIT_EXCEEDED');
    const many = credential(issuer, {
      records: Array.from({ length: 900 }, (_, i) => ({
        a: `a${i}`,
        b: `b${i}`,
        c: `c${i}`,
        d: `d${i}`,
        e: `e${i}`,
        f: `f${i}`,
        g: `g${i}`,
        h: `h${i}`,
        i: `i${i}`,
        j: `j${i}`,
        k: `k${i}`,
        l: `l${i}`,
        m: `m${i}`,
        n: `n${i}`,
        o: `o${i}`,
        p: `p${i}`,
        q: `q${i}`,
        r: `r${i}`,
        s: `s${i}`,
        t: `t${i}`,
        u: `u${i}`,
        v: `v${i}`,
        w: `w${i}`,
      })),
    });
    await expectRefused({ ...many, proof: good.proof }, 'LIMIT_EXCEEDED');
  });
  it('more contexts than the limit, side by side or each naming the next', async () => {
    const urls = Array.from({ length: 20 }, (_, i) => `https://contexts.registry.example.tt/chain/${i}`);
    const flat = Object.fromEntries(
      urls.map((url, i) => [url, { '@context': { [`t${i}`]: `https://contexts.registry.example.tt/vocab#t${i}` } }]),
    );
    const nested = Object.fromEntries(
      urls.map((url, i) => [
        url,
        { '@context': i + 1 < urls.length ? [urls[i + 1], { [`t${i}`]: `https://contexts.registry.example.tt/vocab#t${i}` }] : {} },
      ]),
    );
    // The twin: one more context that defines unused terms leaves the signed N-Quads as they were.
    const one = structuredClone(good);
    one['@context'] = [VC_V2, TYPE_CONTEXT, urls[0]];
    await expectVerified(one, { dataIntegrity: { contexts: { ...contexts, [urls[0] as string]: flat[urls[0] as string] } } });
    const side = structuredClone(good);
    side['@context'] = [VC_V2, TYPE_CONTEXT, ...urls];
    await expectRefused(side, 'LIMIT_EXCEEDED', { dataIntegrity: { contexts: { ...contexts, ...flat } } });
    await expectRefused(one, 'LIMIT_EXCEEDED', { dataIntegrity: { contexts: { ...contexts, ...nested } } });
  });
  it('contexts that include each other are MALFORMED', async () => {
    const a = 'https://contexts.registry.example.tt/a';
    const b = 'https://contexts.registry.example.tt/b';
    const cyc = { [a]: { '@context': [b, { x: 'https://contexts.registry.example.tt/vocab#x' }] }, [b]: { '@context': [a] } };
    const c = structuredClone(good);
    c['@context'] = [VC_V2, TYPE_CONTEXT, a];
    await expectRefused(c, ['MALFORMED', 'LIMIT_EXCEEDED'], { dataIntegrity: { contexts: { ...contexts, ...cyc } } });
  });
});

describe('nothing is fetched', () => {
  afterEach(() => vi.restoreAllMocks());
  it('an http or https @context that is not known is MALFORMED "context not available offline", with fetch never called', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    for (const url of ['http://contexts.registry.example.tt/v1', 'https://contexts.registry.example.tt/unknown']) {
      const c = structuredClone(good);
      c['@context'] = [VC_V2, TYPE_CONTEXT, url];
      const r = await expectRefused(c, 'MALFORMED');
      expect(r.errors?.[0]?.message).toBe(`context not available offline: ${url}`);
    }
    const unknownDid = await prove(credential({ ...issuer, did: 'did:web:unknown.example.tt' }), {
      ...issuer,
      did: 'did:web:unknown.example.tt',
      vm: 'did:web:unknown.example.tt#key-1',
    });
    expect((await verify(unknownDid)).verified).toBe(false);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('values and identifiers', () => {
  it('a value changed to another Unicode normalisation form (NFD) or a look-alike letter fails', async () => {
    await expectVerified(good);
    const nfd = structuredClone(good);
    (nfd.credentialSubject as Json).fullName = 'José Ramírez'.normalize('NFD');
    expect((nfd.credentialSubject as Json).fullName).not.toBe('José Ramírez');
    await expectRefused(nfd, 'SIGNATURE_INVALID');
    const homoglyph = structuredClone(good);
    (homoglyph.credentialSubject as Json).fullName = 'Jоsé Ramírez'; // Cyrillic о
    await expectRefused(homoglyph, 'SIGNATURE_INVALID');
  });
  it('a credential signed over NFD text verifies as signed (no normalisation either way)', async () => {
    const signedNfd = await prove(credential(issuer, { fullName: 'José Ramírez'.normalize('NFD') }), issuer);
    await expectVerified(signedNfd);
    const nfc = structuredClone(signedNfd);
    (nfc.credentialSubject as Json).fullName = 'José Ramírez'.normalize('NFC');
    await expectRefused(nfc, 'SIGNATURE_INVALID');
  });
  it('relative IRIs in id or credentialSubject.id are MALFORMED', async () => {
    for (const change of [
      (c: Json) => {
        c.id = '../credentials/42';
      },
      (c: Json) => {
        (c.credentialSubject as Json).id = 'holder-1';
      },
      (c: Json) => {
        c['@id'] = './x';
        delete c.id;
      },
    ]) {
      const c = structuredClone(good);
      change(c);
      const r = await verify(c);
      expect(r.verified).toBe(false);
      expect(['MALFORMED', 'SIGNATURE_INVALID']).toContain(codes(r)[0]);
    }
  });
  it('prototype keys are data: refused with a typed code, nothing polluted', async () => {
    const text = JSON.stringify(good).replace(
      '"credentialSubject":{',
      '"credentialSubject":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
    );
    const r = await verify(text);
    expect(r.verified).toBe(false);
    expect(['MALFORMED', 'SIGNATURE_INVALID']).toContain(codes(r)[0]);
    expect(({} as Json).polluted).toBeUndefined();
    const top = JSON.stringify(good).replace('{', '{"__proto__":{"verified":true},');
    const r2 = await verify(top);
    expect(r2.verified).toBe(false);
    expect(({} as Json).verified).toBeUndefined();
    await expectVerified(JSON.stringify(good));
  });
});
