// Credentials made the way MOSIP Inji Certify makes them (fixtures/inji, produced by
// make-inji-fixtures.mjs): verified with the MOSIP compatibility mode enabled for their
// issuer — by the option or by a signed recognition list entry — with a COMPATIBILITY
// warning for each deviation the proof needed; refused in strict mode with the reason;
// not helped by compatibility enabled for another issuer; and a changed claim fails in
// compatibility mode too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '@tradewind/core';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { type CredentialVerificationResult, type RecognitionPolicy, type VerifyOptions, verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
// RFC 8785 as the verifier computes pins: its own `canonicalize` dependency.
const canonicalize = (
  createRequire(join(here, '..', '..', 'packages', 'verifier', 'package.json'))('canonicalize') as { default: (v: unknown) => string }
).default;
const dir = join(here, 'fixtures', 'inji');
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject;

interface FixtureEntry {
  file: string;
  suite: string;
  zone: string;
  created: string;
  verificationMethod: string;
  quirks: Quirk[];
  status?: 'valid' | 'revoked';
}
type Quirk = 'undefined-terms' | 'proof-options-security-v3' | 'created-shift' | 'did-assertion-method' | 'ecdsa-secp256k1';
const manifest = read('manifest.json') as unknown as {
  issuer: string;
  now: string;
  statusList: { file: string; url: string; quirks: Quirk[] };
  contexts: Record<string, string>;
  fixtures: FixtureEntry[];
};
const ISSUER = manifest.issuer;
const NOW = manifest.now;
const didWeb = read('did-web.json');
const didWebKeyIds = read('did-web-key-ids.json');
const contexts = Object.fromEntries(Object.entries(manifest.contexts).map(([url, file]) => [url, read(file)]));
const statusLists = { [manifest.statusList.url]: read(manifest.statusList.file) };

/** What a COMPATIBILITY warning for each deviation must mention. */
const WARNING: Record<Quirk, RegExp> = {
  'undefined-terms': /undefined term|dropped/i,
  'proof-options-security-v3': /security\/v3/,
  'created-shift': /created/i,
  'did-assertion-method': /assertionMethod/,
  'ecdsa-secp256k1': /secp256k1/i,
};
/**
 * The errors a spec-strict verifier may give for each deviation. Proof options that do not
 * canonicalise under the document's context at all (a term only security v3 defines) are
 * MALFORMED rather than SIGNATURE_INVALID; either way the message names the deviation.
 */
const STRICT_CODES: Record<Quirk, string[]> = {
  'undefined-terms': ['MALFORMED'],
  'proof-options-security-v3': ['SIGNATURE_INVALID', 'MALFORMED'],
  'created-shift': ['NOT_YET_VALID'],
  'did-assertion-method': ['KEY_NOT_FOUND'],
  'ecdsa-secp256k1': ['UNSUPPORTED_ALGORITHM'],
};

function options(extra: { compatibility?: Record<string, 'mosip'>; documents?: JsonObject[] } = {}): VerifyOptions {
  return {
    now: NOW,
    dataIntegrity: { contexts, documents: extra.documents ?? [didWeb], compatibility: extra.compatibility },
    status: { lists: statusLists },
  };
}
const compat = () => options({ compatibility: { [ISSUER]: 'mosip' } });
const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const compatibilityWarnings = (r: CredentialVerificationResult) => (r.verified ? r.warnings.filter((w) => w.code === 'COMPATIBILITY') : []);

/** Every deviation in `required` has its warning, and every COMPATIBILITY warning names one of `allowed`. */
function expectWarnings(r: CredentialVerificationResult, required: Quirk[], allowed: Quirk[] = required) {
  const warnings = compatibilityWarnings(r);
  for (const q of required)
    expect(
      warnings.some((w) => WARNING[q].test(w.message)),
      `a warning for ${q}`,
    ).toBe(true);
  for (const w of warnings) {
    expect(w.message).toMatch(/MOSIP compatibility/);
    expect(
      allowed.some((q) => WARNING[q].test(w.message)),
      `warning "${w.message}" names a deviation of this fixture`,
    ).toBe(true);
  }
}

/**
 * The deviations a fixture's warnings may name: its own, and for the legacy suites the
 * security v3 proof context even where security v2 gives the same N-Quads (the Java stack
 * did use v3; naming it is not wrong).
 */
const allowedQuirks = (f: FixtureEntry): Quirk[] =>
  f.suite.startsWith('DataIntegrityProof') ? f.quirks : [...f.quirks, 'proof-options-security-v3'];

const valid = manifest.fixtures.filter((f) => f.status !== 'revoked');
const revoked = manifest.fixtures.filter((f) => f.status === 'revoked');

describe('Inji Certify fixtures', () => {
  it('are what the generator produces (deterministic, offline)', () => {
    const out = execFileSync(process.execPath, [join(here, 'make-inji-fixtures.mjs'), '--check'], { encoding: 'utf8', timeout: 120_000 });
    expect(out).toMatch(/^checked 18 files/);
  });

  it('cover every suite Inji Certify issues with', () => {
    expect(new Set(manifest.fixtures.map((f) => f.suite))).toEqual(
      new Set([
        'Ed25519Signature2020',
        'Ed25519Signature2018',
        'RsaSignature2018/RS256',
        'RsaSignature2018/PS256',
        'EcdsaSecp256k1Signature2019',
        'EcdsaKoblitzSignature2016',
        'EcdsaSecp256r1Signature2019',
        'DataIntegrityProof/ecdsa-rdfc-2019',
      ]),
    );
    // Each deviation is exercised by at least one fixture.
    const seen = new Set(manifest.fixtures.flatMap((f) => f.quirks));
    for (const q of Object.keys(WARNING)) expect(seen.has(q as Quirk), q).toBe(true);
  });
});

describe('MOSIP compatibility enabled for the issuer by the option', () => {
  it.each(valid.map((f) => [f.file, f] as const))('%s verifies, each deviation used named in a warning', async (_file, f) => {
    const r = await verifyCredential(read(f.file), compat());
    expect(codes(r)).toEqual([]);
    if (!r.verified) return;
    expect(r.format).toBe('di');
    expect(r.issuer).toBe(ISSUER);
    expect(r.keyId).toBe(f.verificationMethod);
    if (r.format === 'di') expect(r.proof.type).toBe(f.suite.split('/')[0]);
    expectWarnings(r, f.quirks, allowedQuirks(f));
    if (f.status === 'valid') expect(r.checks).toContain('status');
  });

  it.each(revoked.map((f) => [f.file, f] as const))('%s is revoked by its MOSIP-signed status list (string index)', async (_file, f) => {
    const r = await verifyCredential(read(f.file), compat());
    expect(codes(r)).toContain('REVOKED');
  });

  it('the same credential verifies with the same result when the list is read in compatibility mode too', async () => {
    const f = valid.find((x) => x.status === 'valid') as FixtureEntry;
    const r = await verifyCredential(read(f.file), compat());
    expect(r.verified).toBe(true);
    // Without the list the status is unavailable: the status check is real.
    const without = await verifyCredential(read(f.file), { ...compat(), status: { lists: {} } });
    expect(codes(without)).toContain('STATUS_UNAVAILABLE');
  });
});

describe('spec-strict (the default) refuses them, saying why', () => {
  it.each(valid.map((f) => [f.file, f] as const))('%s with the DID document as Inji publishes it', async (_file, f) => {
    const r = await verifyCredential(read(f.file), options());
    expect(r.verified).toBe(false);
    const allowed = [...new Set([...f.quirks.flatMap((q) => STRICT_CODES[q]), 'DID_UNRESOLVABLE'])];
    expect(allowed).toContain(codes(r)[0]);
  });

  it.each(valid.map((f) => [f.file, f] as const))(
    '%s with the keys listed under assertionMethod: only the proof deviations count',
    async (_file, f) => {
      const quirks = f.quirks.filter((q) => q !== 'did-assertion-method');
      const r = await verifyCredential(read(f.file), options({ documents: [didWebKeyIds] }));
      if (quirks.length === 0) {
        // A credential that happens to need no deviation verifies strictly, with no warning.
        expect(codes(r)).toEqual([]);
        expect(compatibilityWarnings(r)).toEqual([]);
        return;
      }
      expect(r.verified).toBe(false);
      if (r.verified) return;
      expect(quirks.flatMap((q) => STRICT_CODES[q])).toContain(r.errors[0]?.code);
      if (quirks.length === 1 && quirks[0] === 'proof-options-security-v3') {
        expect(r.errors[0]?.message).toMatch(
          /verifies only with MOSIP compatibility \(proof options canonicalised under https:\/\/w3id\.org\/security\/v3\), which is not enabled for this issuer/,
        );
      }
    },
  );

  it('MOSIP compatibility enabled for another issuer does not help', async () => {
    for (const f of valid) {
      const r = await verifyCredential(read(f.file), options({ compatibility: { 'did:web:registry.gov.tt': 'mosip' } }));
      expect(r.verified, f.file).toBe(false);
      const strict = await verifyCredential(read(f.file), options());
      expect(codes(r), f.file).toEqual(codes(strict));
    }
  });
});

describe('compatibility mode is not a weaker signature check', () => {
  const tamper = (file: string, change: (c: JsonObject) => void) => {
    const c = structuredClone(read(file));
    change(c);
    return c;
  };
  it.each(valid.map((f) => [f.file, f] as const))('%s with a changed claim fails', async (_file, f) => {
    const c = tamper(f.file, (x) => {
      (x.credentialSubject as JsonObject).fullName = 'Asha Ramdhial';
    });
    const r = await verifyCredential(c, compat());
    expect(r.verified).toBe(false);
    // A credential that does not canonicalise strictly may be reported by its strict
    // reading (MALFORMED) rather than as a signature that no reading verifies.
    const strictlyMalformed = f.quirks.includes('undefined-terms') || f.quirks.includes('proof-options-security-v3');
    expect(strictlyMalformed ? ['SIGNATURE_INVALID', 'MALFORMED'] : ['SIGNATURE_INVALID']).toContain(codes(r)[0]);
  });
  it('a changed created, verification method key id, issuer or validity date fails', async () => {
    const f = valid.find((x) => !x.quirks.includes('undefined-terms')) as FixtureEntry;
    const created = tamper(f.file, (x) => {
      (x.proof as JsonObject).created = '2026-11-30T04:31:00Z';
    });
    expect(codes(await verifyCredential(created, compat()))).toContain('SIGNATURE_INVALID');
    const otherKey = tamper(f.file, (x) => {
      (x.proof as JsonObject).verificationMethod = manifest.fixtures.find((y) =>
        y.suite.startsWith('RsaSignature2018'),
      )?.verificationMethod;
    });
    expect(codes(await verifyCredential(otherKey, compat()))[0]).toMatch(/SIGNATURE_INVALID|UNSUPPORTED_ALGORITHM/);
    const expiry = tamper(f.file, (x) => {
      x.expirationDate = '2030-11-30T10:00:00.000Z';
    });
    expect(codes(await verifyCredential(expiry, compat()))).toContain('SIGNATURE_INVALID');
  });
  it('a value under an undefined term is not signed: changing it still verifies, with the undefined-terms warning', async () => {
    // What MOSIP's Java stack signs: `face` is not in the FarmerCredential context, so it
    // is dropped before hashing. A caller must not trust such a claim; the warning is how
    // it learns that some were dropped.
    const f = manifest.fixtures.find((x) => x.file === 'farmer-vcdm1-ed25519signature2020.json') as FixtureEntry;
    const swapped = tamper(f.file, (x) => {
      (x.credentialSubject as JsonObject).face = 'data:image/jpeg;base64,c3dhcHBlZA';
    });
    const r = await verifyCredential(swapped, compat());
    expect(codes(r)).toEqual([]);
    expectWarnings(r, ['undefined-terms'], f.quirks);
    // The verified credential leaves the unsigned member out, and the warning names it.
    if (!r.verified || r.format !== 'di') throw new Error('expected a verified di credential');
    const subject = r.credential.credentialSubject as JsonObject;
    expect(subject.face).toBeUndefined();
    expect(Object.keys(subject).length).toBeGreaterThan(2);
    expect(r.warnings.find((w) => /undefined/.test(w.message))?.message).toMatch(/"face".*not covered by the signature/);
    expect((await verifyCredential(swapped, options({ documents: [didWebKeyIds] }))).verified).toBe(false);
  });
  it('a created shifted beyond any time zone (more than 14 h ahead) is refused even in compatibility mode', async () => {
    const f = manifest.fixtures.find((x) => x.quirks.includes('created-shift')) as FixtureEntry;
    const r = await verifyCredential(read(f.file), { ...compat(), now: new Date(Date.parse(f.created) - 15 * 3600_000) });
    expect(r.verified).toBe(false);
  });
  it('the proof options under security v3 are only tried for the legacy suites of the enabled issuer: a re-typed proof fails', async () => {
    const f = manifest.fixtures.find((x) => x.suite === 'Ed25519Signature2020' && x.quirks.includes('proof-options-security-v3'));
    const c = tamper((f as FixtureEntry).file, (x) => {
      (x.proof as JsonObject).type = 'Ed25519Signature2018';
    });
    expect((await verifyCredential(c, compat())).verified).toBe(false);
  });
});

describe('MOSIP compatibility enabled by a signed recognition list entry', () => {
  let dir0: string;
  let anchor: Issuer;
  let anchorDid: string;
  const t0 = new Date('2026-11-01T00:00:00Z');
  const policy = (): RecognitionPolicy => ({
    anchors: [anchorDid],
    accept: [{ countries: ['IN'], credentialTypes: ['FarmerCredential', 'NationalIdCredential'], minAssurance: 'substantial' }],
  });
  const entry = (overrides: Record<string, unknown> = {}) => ({
    id: ISSUER,
    country: 'IN',
    name: 'Inji Certify (fixture issuer)',
    credentialTypes: ['FarmerCredential', 'NationalIdCredential'],
    assuranceLevel: 'substantial' as const,
    keys: read('recognition-keys.json') as unknown as Array<{ kid: string; kty: string; crv: string; x: string; y?: string }>,
    formats: ['di' as const],
    compatibility: 'mosip' as const,
    contexts: Object.entries(contexts).map(([url, document]) => ({ url, sha256: sha256Jcs(document), document })),
    ...overrides,
  });
  const signed = (entries: unknown[]) =>
    anchor.signRecognitionList({
      sequence: 1,
      nextUpdate: new Date(t0.getTime() + 90 * 86_400_000),
      validFrom: t0,
      entries: entries as never,
    });

  beforeAll(async () => {
    dir0 = mkdtempSync(join(tmpdir(), 'tradewind-inji-'));
    anchor = await openIssuer({ path: join(dir0, 'anchor.db'), secret: 'a', kdf: { N: 2 ** 10, r: 8, p: 1 } });
    anchorDid = (await anchor.createDid()).did;
  });
  afterAll(async () => {
    await anchor?.close();
    rmSync(dir0, { recursive: true, force: true });
  });

  // Recognition lists carry Ed25519 and P-256 keys: the fixtures signed with those.
  const listed = valid.filter((f) => /^(Ed25519Signature2020|Ed25519Signature2018|EcdsaSecp256r1Signature2019)$/.test(f.suite));
  it.each(listed.map((f) => [f.file, f] as const))('%s verifies and is recognised', async (_file, f) => {
    const list = await signed([entry()]);
    const r = await verifyCredential(read(f.file), {
      now: NOW,
      policy: policy(),
      recognitionLists: [list],
      status: { lists: statusLists },
      dataIntegrity: { documents: [didWeb] },
    });
    expect(codes(r)).toEqual([]);
    if (!r.verified) return;
    expect(r.recognition).toBeDefined();
    expect(r.checks).toContain('recognition');
    expectWarnings(
      r,
      f.quirks.filter((q) => q !== 'did-assertion-method'),
      f.quirks,
    );
  });

  it('an entry without compatibility leaves the issuer strict; an entry for another issuer does not help', async () => {
    const f = valid.find((x) => x.suite === 'Ed25519Signature2020' && x.quirks.includes('proof-options-security-v3')) as FixtureEntry;
    const { compatibility: _c, ...strictEntry } = entry();
    for (const entries of [[strictEntry], [entry({ id: 'did:web:registry.gov.tt' }), strictEntry]]) {
      const r = await verifyCredential(read(f.file), {
        now: NOW,
        policy: policy(),
        recognitionLists: [await signed(entries)],
        status: { lists: statusLists },
        dataIntegrity: { documents: [didWeb] },
      });
      expect(r.verified).toBe(false);
    }
  });

  it('a pinned context whose hash does not match is refused (MALFORMED)', async () => {
    const f = valid.find((x) => x.file.startsWith('national-id') && x.suite === 'Ed25519Signature2020') as FixtureEntry;
    const pins = Object.entries(contexts).map(([url, document]) => ({ url, sha256: '0'.repeat(64), document }));
    const r = await verifyCredential(read(f.file), {
      now: NOW,
      policy: policy(),
      recognitionLists: [await signed([entry({ contexts: pins })])],
      status: { lists: statusLists },
      dataIntegrity: { documents: [didWeb] },
    });
    expect(codes(r)).toContain('MALFORMED');
  });
});

describe("Digital Bazaar's verifier agrees with the fixtures' quirk table", () => {
  it('verifies the fixture whose only deviation is created, refuses the one with an undefined term and the VCDM 2.0 one', async () => {
    const vc = await import('@digitalbazaar/vc');
    const { Ed25519Signature2020 } = await import('@digitalbazaar/ed25519-signature-2020');
    const { dbLoader } = await import('./db-loader.js');
    const documentLoader = dbLoader({ contexts, documents: [didWebKeyIds] });
    const verify = async (file: string) =>
      (
        await vc.verifyCredential({
          credential: read(file),
          suite: new Ed25519Signature2020(),
          documentLoader,
          checkStatus: async () => ({ verified: true }),
        })
      ).verified;
    expect(await verify('farmer-vcdm1-ed25519signature2020-west.json')).toBe(true);
    expect(await verify('farmer-vcdm1-ed25519signature2020.json')).toBe(false);
    expect(await verify('national-id-vcdm2-ed25519signature2020.json')).toBe(false);
  });
});

function sha256Jcs(document: JsonObject): string {
  return createHash('sha256')
    .update(canonicalize(document) as string)
    .digest('hex');
}
