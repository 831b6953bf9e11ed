import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from './helpers/browser-bundle.js';

describe('browser build', () => {
  it('bundles for platform browser without any Node built-in', async () => {
    const { code, nodeImports } = await bundleForBrowser();
    expect(nodeImports).toEqual([]);
    expect(code.length).toBeGreaterThan(1000);
  });

  it('stays within the size budget (60 kB min+gzip) with SD-JWT VC support in it', async () => {
    const { code } = await bundleForBrowser();
    const gzipped = gzipSync(code).length;
    expect(gzipped).toBeLessThan(60 * 1024);
    // The budget holds with SD-JWT VCs verified by this bundle, not by leaving them out.
    expect(code).toContain('kb+jwt');
    expect(code).toContain('_sd_alg');
  });

  it('verifies with WebCrypto (the browser backend)', async () => {
    const web = await import('../src/index.browser.js');
    const { vcJwt, didKey, NOW } = await import('./helpers/producers.js');
    const p256 = didKey('P-256');
    expect((await web.verifyCredential(await vcJwt(didKey()), { now: NOW })).verified).toBe(true);
    expect((await web.verifyCredential(await vcJwt(p256), { now: NOW })).verified).toBe(true);
    const tampered = `${(await vcJwt(p256)).slice(0, -2)}AA`;
    expect((await web.verifyCredential(tampered, { now: NOW })).verified).toBe(false);
  });
});
