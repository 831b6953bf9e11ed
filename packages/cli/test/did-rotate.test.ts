import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/run-main.js';

let dir: string;
let db: string;
const env = { TRADEWIND_SECRET: 'cli rotation secret' };
const WEB = 'did:web:registry.gov.example';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-rotate-'));
  db = join(dir, 'registry.db');
  const init = await runMain(
    [
      'issuer',
      'init',
      '--db',
      db,
      '--method',
      'web',
      '--domain',
      'registry.gov.example',
      '--status-base-url',
      'https://registry.gov.example/status',
    ],
    { env },
  );
  expect(init.code, init.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind did rotate', () => {
  it('rotates the did:web key: new verification method first in the document, the old one retired', async () => {
    const before = JSON.parse((await runMain(['did', 'document', WEB, '--db', db], { env })).stdout) as {
      verificationMethod: Array<{ id: string }>;
    };
    const old = before.verificationMethod[0]?.id as string;
    const issued = await runMain(['issue', '--db', db, '--type', 'T', '--claim', 'name=Ana', '--json'], { env });
    expect(issued.code, issued.stderr).toBe(0);

    const rotated = await runMain(['did', 'rotate', WEB, '--db', db, '--key-type', 'P-256', '--json'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const out = JSON.parse(rotated.stdout) as {
      did: string;
      verificationMethod: string;
      previous: { verificationMethod: string; retiredAt: string };
      keys: Array<{ verificationMethod: string; state: string; retiredAt?: string; publicJwk: { crv: string } }>;
    };
    expect(out.did).toBe(WEB);
    expect(out.previous.verificationMethod).toBe(old);
    expect(out.verificationMethod).not.toBe(old);
    expect(out.previous.retiredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(out.keys.map((k) => [k.verificationMethod, k.state, k.publicJwk.crv])).toEqual([
      [out.verificationMethod, 'current', 'P-256'],
      [old, 'retired', 'Ed25519'],
    ]);

    const doc = JSON.parse((await runMain(['did', 'document', WEB, '--db', db], { env })).stdout) as {
      verificationMethod: Array<{ id: string; retiredAt?: string }>;
      assertionMethod: string[];
    };
    expect(doc.verificationMethod.map((vm) => [vm.id, vm.retiredAt])).toEqual([
      [out.verificationMethod, undefined],
      [old, out.previous.retiredAt],
    ]);
    expect(doc.assertionMethod).toEqual([out.verificationMethod, old]);

    const human = await runMain(['did', 'rotate', WEB, '--db', db], { env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`retired ${out.verificationMethod} at `);
    const keys = JSON.parse((await runMain(['recognition-list', 'keys', WEB, '--db', db], { env })).stdout) as Array<{ kid: string }>;
    expect(keys.map((k) => k.kid).slice(1)).toEqual([out.verificationMethod, old]);
  });

  it('refuses did:key DIDs, unknown DIDs, bad flags and a rotation time before what the key signed', async () => {
    const key = await runMain(['did', 'rotate', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', '--db', db], { env });
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/create a new DID instead/);
    const unknown = await runMain(['did', 'rotate', 'did:web:elsewhere.example', '--db', db, '--json'], { env });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout || unknown.stderr).error.code).toBe('NOT_FOUND');
    expect((await runMain(['did', 'rotate', '--db', db], { env })).code).toBe(2);
    expect((await runMain(['did', 'rotate', WEB, '--db', db, '--key-type', 'RSA'], { env })).code).toBe(2);
    expect((await runMain(['did', 'rotate', WEB, '--db', db, '--now', 'yesterday'], { env })).code).toBe(2);
    const early = await runMain(['did', 'rotate', WEB, '--db', db, '--now', '2020-01-01T00:00:00Z'], { env });
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/before|after/);
  });
});
