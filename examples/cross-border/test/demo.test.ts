import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const run = (args: string[] = [], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [demo, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRADEWIND_DEMO_KEEP: '', ...env },
    timeout: 120_000,
  });

beforeAll(() => {
  // The demo imports the built packages, as an agency's or a bank's program would.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
}, 180_000);

describe('the cross-border demo', () => {
  let out = '';
  beforeAll(() => {
    out = run();
  }, 60_000);

  it('accepts in Barbados and rejects at the Jamaican border, after revocation, and for a forged list', () => {
    expect(out).toMatch(
      /7\. A bank in Barbados[^\n]*\n {3}→ ACCEPTED by the bank in Barbados[^\n]*\n {5}NationalIdCredential[^\n]*\n {5}issuer Registrar General, Trinidad and Tobago \(TT\), assurance substantial/,
    );
    expect(out).toMatch(/8\. [^\n]*\n {3}→ REJECTED by [^\n]*\n {5}NONCE_MISMATCH/);
    expect(out).toMatch(/9\. [^\n]*\n {3}→ REJECTED by the Jamaican border:\n {5}NOT_RECOGNIZED/);
    expect(out).toMatch(/10\. [^\n]*\n {3}→ REJECTED by the bank in Barbados:\n {5}REVOKED/);
    expect(out).toMatch(/11\. [^\n]*\n {3}→ REJECTED by a verifier handed the forged list:\n {5}TRUST_LIST_INVALID/);
    expect(out).toContain('All steps behaved as expected');
  });

  it('shows the SD-JWT VC selectively: only nationality to the bank, only age_over_18 to the age check, and what each did not get', () => {
    expect(out).toMatch(
      /12\. [^\n]*SD-JWT VC \(dc\+sd-jwt\)[^\n]*\n {3}vct NationalIdCredential, holder key in cnf, status https:\/\/registry\.gov\.tt\/status\/token\/\d+#\d+/,
    );
    const bank =
      /13\. [^\n]*\n {3}Asha shows: {5}nationality\n {3}Asha withholds: ([^\n]*)\n {3}→ ACCEPTED by the bank in Barbados: NationalIdCredential from Registrar General, Trinidad and Tobago \(TT\), assurance substantial[^\n]*\n {5}received: nationality = TT\n {5}(\d+) digests without a disclosure/.exec(
        out,
      );
    expect(bank).not.toBeNull();
    expect(bank?.[1]).toBe(
      'given_name, family_name, birthdate, age_over_18, place_of_birth{locality, country}, address{street_address, locality, country}',
    );
    // Six claims withheld, and the decoys the issuer added, which look the same.
    expect(Number(bank?.[2])).toBeGreaterThan(6);
    const age =
      /14\. [^\n]*\n {3}Asha shows: {5}age_over_18\n {3}Asha withholds: ([^\n]*)\n {3}→ ACCEPTED by the age check in Jamaica[^\n]*\n {5}received: age_over_18 = true\n {5}(\d+) digests without a disclosure/.exec(
        out,
      );
    expect(age).not.toBeNull();
    expect(age?.[1]).toBe(
      'given_name, family_name, birthdate, nationality, place_of_birth{locality, country}, address{street_address, locality, country}',
    );
    expect(out).toMatch(/15\. [^\n]*\n {3}→ REJECTED by the bank in Barbados \(another exchange\):\n {5}NONCE_MISMATCH/);
    expect(out).toMatch(/16\. [^\n]*\n {3}→ REJECTED by the bank in Barbados:\n {5}REVOKED/);
  });

  it('issues, stores and presents a Data Integrity credential: accepted at the Barbados border, a replay with another challenge refused', () => {
    expect(out).toMatch(
      /17\. [^\n]*Data Integrity credential \(di, VCDM 2\.0\)\n {3}DataIntegrityProof \(eddsa-rdfc-2022\) by did:web:registry\.gov\.tt#[A-Za-z0-9_-]+\n {3}@context https:\/\/www\.w3\.org\/ns\/credentials\/v2, https:\/\/www\.w3\.org\/ns\/credentials\/undefined-terms\/v2\n {3}credential urn:uuid:[0-9a-f-]{36}, status https:\/\/registry\.gov\.tt\/status\/\d+#\d+/,
    );
    expect(out).toMatch(/18\. [^\n]*\n {3}stored [0-9a-f]{24}… \(di, VerifiableCredential, NationalIdCredential\)/);
    expect(out).toMatch(
      /19\. [^\n]*\n {3}Asha’s wallet signs it \(proof purpose authentication\)[^\n]*\n {3}the border checked: presentation DataIntegrityProof \(eddsa-rdfc-2022\), challenge bb-border-d1a6, domain https:\/\/border\.gov\.bb\n {23}credential DataIntegrityProof \(eddsa-rdfc-2022\) by did:web:registry\.gov\.tt#[A-Za-z0-9_-]+\n {3}→ ACCEPTED by the Barbados border: Asha Ramdial, born 1991-04-12\n {5}NationalIdCredential of did:key:z6Mk…[A-Za-z0-9]{5}\n {5}issuer Registrar General, Trinidad and Tobago \(TT\), assurance substantial, recognised by list #1/,
    );
    expect(out).toMatch(
      /20\. [^\n]*\n {3}→ REJECTED by the Barbados border \(another exchange\):\n {5}NONCE_MISMATCH: the proof challenge is not the expected one/,
    );
  });

  it('presents over OpenID4VP on 127.0.0.1: a DCQL request from the bank’s policy accepted with only the asked claims, a replay refused, a decline recorded', () => {
    const request =
      /21\. [^\n]*OpenID4VP[^\n]*\n[^\n]*\n {3}the bank’s server listens on (http:\/\/127\.0\.0\.1:\d+) \(loopback only\); its QR code holds\n {5}(openid4vp:\/\/\?\S+… \(\d+ characters\))\n {3}DCQL: national_id_sdjwt \(dc\+sd-jwt\), national_id_jwt \(jwt_vc_json\), national_id_ldp \(ldp_vc\): any one of them\n {9}claims given_name, family_name, nationality/.exec(
        out,
      );
    expect(request).not.toBeNull();
    const [, base, uri] = request as RegExpExecArray;
    expect(uri).toMatch(/^openid4vp:\/\/\?response_type=vp_token&response_mode=direct_post&client_id=redirect_uri%3Ahttp%3A%2/);
    // The wallet shows who asks and exactly what it would disclose, and what it keeps back.
    expect(out).toContain(`Asha’s wallet reads it: “Bank of Barbados, onboarding” (redirect_uri:${base}/openid4vp/response) asks for`);
    expect(out).toMatch(
      /national_id_sdjwt \(dc\+sd-jwt\): 2 of her credentials answer it[^\n]*\n {7}given_name = Asha; family_name = Ramdial; nationality = TT\n {7}and withhold birthdate, age_over_18, place_of_birth\{locality, country\}, address\{street_address, locality, country\}\n {5}national_id_jwt \(jwt_vc_json\): nothing she holds answers it\n {5}national_id_ldp \(ldp_vc\): nothing she holds answers it/,
    );
    // The bank's session: accepted, the issuer as the list names it, and nothing but the three claims.
    expect(out).toMatch(
      /Asha agrees: her wallet posts national_id_sdjwt as dc\+sd-jwt[^\n]*showing given_name, family_name, nationality\n {3}the bank answers 200 \{"status":"accepted"\}\n {3}→ ACCEPTED by the bank in Barbados \(session accepted\): NationalIdCredential \(dc\+sd-jwt\) from Registrar General, Trinidad and Tobago \(TT\), assurance substantial, recognised by the regional list\n {5}received: given_name = Asha; family_name = Ramdial; nationality = TT\n\n22\. /,
    );
    expect(out).toMatch(
      /22\. [^\n]*\n {3}the bank answers 400 refused\n {3}→ REJECTED by the bank in Barbados \(the same response again\):\n {5}REPLAYED: [^\n]*\n {5}its session stays accepted, with the first outcome/,
    );
    expect(out).toMatch(
      /23\. [^\n]*declines\n[^\n]*error=access_denied[^\n]*\n {3}the bank answers 200 \{"status":"declined"\}; nothing was presented\n {3}→ REJECTED by the bank in Barbados \(session refused\):\n {5}DECLINED: /,
    );
    // Everything the requests and responses name is on the loopback interface.
    expect(out).not.toMatch(/https?:\/\/(?!127\.0\.0\.1[:/])[^\s]*\/openid4vp/);
  });

  it('says who the accepted person is: name and birth date', () => {
    expect(out).toContain('→ ACCEPTED by the bank in Barbados: Asha Ramdial, born 1991-04-12');
  });

  it('shortens key-based DIDs and keeps did:web whole', () => {
    expect(out).toContain('did:web:registry.gov.tt');
    expect(out).toMatch(/did:key:z6Mk…[A-Za-z0-9]{5}\b/);
    // No full-length did:key or did:jwk anywhere, messages included.
    expect(out).not.toMatch(/did:(key|jwk):[A-Za-z0-9_-]{12,}/);
  });

  it('says that its working folder is deleted and how to keep it', () => {
    const folder = /Working folder (\S+) deleted; to keep it, run with --keep/.exec(out)?.[1];
    expect(folder).toBeDefined();
    expect(existsSync(folder as string)).toBe(false);
    expect(out).toContain('TRADEWIND_DEMO_KEEP=1');
  });
});

it('keeps its working folder with TRADEWIND_DEMO_KEEP=1 and says where', () => {
  const out = run([], { TRADEWIND_DEMO_KEEP: '1' });
  const folder = /Working folder kept: (\S+) /.exec(out)?.[1];
  expect(folder).toBeDefined();
  try {
    expect(existsSync(`${folder}/asha-wallet.db`)).toBe(true);
  } finally {
    rmSync(folder as string, { recursive: true, force: true });
  }
}, 60_000);
