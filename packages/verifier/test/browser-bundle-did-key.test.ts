// The browser bundle as a web app's bundler makes it, run for real: package.json
// "browser" of @tradewind/core leaves key-did-resolver (and its curve code) out, so
// secp256k1, P-384 and P-521 did:keys, which can verify nothing here, are refused with
// a reason instead of being resolved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './helpers/browser-bundle.js';
import { credential, diSigner, issueDi } from './helpers/di-issue.js';
import { didKey, NOW, vcJwt } from './helpers/producers.js';

const SECP256K1_DID = 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme';
const dir = mkdtempSync(join(tmpdir(), 'tw-browser-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadBundle(): Promise<typeof import('../src/index.browser.js')> {
  const { files, entryName } = await bundleForBrowser();
  for (const f of files) writeFileSync(join(dir, f.name), f.text);
  // The chunks are ES modules: a package.json beside them says so to Node.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return import(pathToFileURL(join(dir, entryName)).href);
}

describe('browser bundle and did:key types it does not carry', () => {
  it('verifies Ed25519 credentials, and refuses a secp256k1 did:key issuer with the reason', async () => {
    const web = await loadBundle();
    expect((await web.verifyCredential(await vcJwt(didKey()), { now: NOW })).verified).toBe(true);

    const forged = await vcJwt(
      { ...didKey(), did: SECP256K1_DID, kid: `${SECP256K1_DID}#zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme` },
      {},
    );
    const result = await web.verifyCredential(forged, { now: NOW });
    expect(result.verified).toBe(false);
    if (result.verified) return;
    expect(result.errors[0]?.code).toBe('DID_UNRESOLVABLE');
    expect(result.errors[0]?.message).toMatch(/browser build resolves Ed25519 and P-256 did:keys only/);
  });

  it('verifies a Data Integrity credential with the chunk it loads on demand, on WebCrypto', async () => {
    const web = await loadBundle();
    const signer = await diSigner('eddsa-rdfc-2022', { seed: 61 });
    const vc = await issueDi(credential(signer.did, 'did:example:alice'), signer);
    const r = await web.verifyCredential(vc, { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    const tampered = { ...vc, credentialSubject: { id: 'did:example:mallory', name: 'Alice' } };
    const t = await web.verifyCredential(tampered, { now: NOW });
    expect(t.verified ? [] : t.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID']);
  });
});
