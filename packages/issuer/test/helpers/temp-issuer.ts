import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';

/** Cheap key derivation for test databases (the default is deliberately slow). */
export const TEST_KDF = { N: 2 ** 10, r: 8, p: 1 };

/** An issuer on a new SQLite file in a new temporary folder, with one DID. */
export async function openTempIssuer(name: string): Promise<{ dir: string; issuer: Issuer }> {
  const dir = mkdtempSync(join(tmpdir(), `tradewind-${name}-`));
  const issuer = await openIssuer({
    path: join(dir, `${name}.db`),
    secret: name,
    kdf: TEST_KDF,
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  await issuer.createDid();
  return { dir, issuer };
}

/** Closes an issuer from {@link openTempIssuer} and deletes its folder. */
export async function closeTempIssuer(issuer: Issuer | undefined, dir: string | undefined): Promise<void> {
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
