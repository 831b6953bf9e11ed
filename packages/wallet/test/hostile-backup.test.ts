// A backup is authenticated by its passphrase only: whoever knows it can write any
// contents. A restore must store what issuers signed, as receive does, never the
// metadata or JSON the file claims.
import { TradewindError } from '@tradewind/core';
import { openWallet, restoreWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackup, sealBackup } from '../src/backup/container.js';
import { issuer, NOW, SECRET, TEST_BACKUP_KDF, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
const tt = issuer('key');
const PASS = 'backup passphrase';
let n = 0;
const fresh = () => openWallet({ path: tmp.file(`w-${n++}.db`), secret: SECRET, kdf: TEST_KDF });
let contents: { credentials: Array<Record<string, unknown>>; aliases: Array<{ alias: string; id: string }> } & Record<string, unknown>;
let asha: string;

beforeAll(async () => {
  const source = await fresh();
  const holder = (await source.createDid()).did;
  asha = await vcJwt(tt, holder, { type: 'NationalIdCredential' });
  await source.receive({
    ...JSON.parse(Buffer.from(asha.split('.')[1] as string, 'base64url').toString()),
    proof: { type: 'JwtProof2020', jwt: asha },
  });
  await source.receive(await vcJwt(tt, holder, { type: 'BirthCertificate' }));
  contents = (await openBackup(await source.exportBackup(PASS, { kdf: TEST_BACKUP_KDF }), PASS)) as typeof contents;
  await source.close();
});
afterAll(() => tmp.cleanup());

const seal = (changed: Partial<typeof contents>) => sealBackup({ ...structuredClone(contents), ...changed }, PASS, TEST_BACKUP_KDF);
const withRow = (i: number, change: Record<string, unknown>) =>
  contents.credentials.map((c, j) => (j === i ? { ...structuredClone(c), ...change } : structuredClone(c)));

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

async function restored(file: Buffer): Promise<Wallet> {
  const w = await fresh();
  await w.importBackup(file, PASS);
  return w;
}

describe('a hostile backup stores only what issuers signed', () => {
  it('ignores metadata columns that lie about issuer, types, subject and validity', async () => {
    const w = await restored(
      await seal({
        credentials: withRow(1, {
          issuer: 'did:web:registry.gov.example',
          types: JSON.stringify(['VerifiableCredential', 'Passport']),
          subject: 'did:example:mallory',
          valid_until: Date.parse('2099-01-01T00:00:00Z'),
        }),
      }),
    );
    try {
      const [, birth] = await w.list();
      expect(birth?.issuer).toBe(tt.did);
      expect(birth?.types).toEqual(['VerifiableCredential', 'BirthCertificate']);
      expect(birth?.subject).not.toBe('did:example:mallory');
      expect(birth?.validUntil?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
      expect(await w.find({ type: 'Passport' })).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('returns a JwtProof2020 credential as its JWT says, whatever JSON the backup wraps around it', async () => {
    const mallory = JSON.stringify({ credentialSubject: { givenName: 'Mallory' }, proof: { type: 'JwtProof2020', jwt: asha } });
    const w = await restored(await seal({ credentials: withRow(0, { json: mallory }) }));
    try {
      const [first] = await w.list();
      const vc = first?.credential as { credentialSubject: { givenName: string }; proof: { jwt: string } };
      expect(vc.credentialSubject.givenName).toBe('Asha');
      expect(vc.proof.jwt).toBe(asha);
    } finally {
      await w.close();
    }
  });

  it('refuses a row whose JWS is unsigned, forged or not a JWS, and one whose JSON form is broken or wraps another JWT: BACKUP_INVALID, nothing restored', async () => {
    const [h, p] = asha.split('.') as [string, string];
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), credentialSubject: { givenName: 'Mallory' } })).toString('base64url')}.${asha.split('.')[2]}`;
    const other = await vcJwt(tt, 'did:example:someone');
    for (const change of [
      { raw: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJkaWQ6ZXhhbXBsZTptYWxsb3J5In0.' },
      { raw: forged },
      { json: '{not json' },
      { json: JSON.stringify({ proof: { type: 'JwtProof2020', jwt: other } }) },
    ]) {
      const w = await fresh();
      try {
        expect(await codeOf(w.importBackup(await seal({ credentials: withRow(0, change) }), PASS))).toBe('BACKUP_INVALID');
        expect(await w.count()).toBe(0);
        expect(await w.listDids()).toEqual([]);
      } finally {
        await w.close();
      }
    }
  });

  it('keeps a credential that expired since it was received (read at a time inside its own validity)', async () => {
    const source = await fresh();
    const holder = (await source.createDid()).did;
    const short = await vcJwt(tt, holder, {
      type: 'ShortLived',
      validFrom: new Date('2026-05-01T00:00:00Z'),
      validUntil: new Date('2026-06-02T00:00:00Z'),
    });
    await source.receive(short, { now: NOW });
    const file = await source.exportBackup(PASS, { kdf: TEST_BACKUP_KDF });
    await source.close();
    const w = await fresh();
    try {
      expect((await w.importBackup(file, PASS)).credentials).toBe(1);
      expect((await w.list())[0]?.raw).toBe(short);
    } finally {
      await w.close();
    }
  });

  it('drops an alias that names another credential, so deleting one credential never deletes two', async () => {
    const [a, b] = contents.credentials as Array<{ id: string }>;
    const w = await restored(await seal({ aliases: [{ alias: a?.id as string, id: b?.id as string }] }));
    try {
      await w.delete(a?.id as string);
      expect((await w.list()).map((c) => c.id)).toEqual([b?.id]);
    } finally {
      await w.close();
    }
  });
});

describe('a hostile backup restores no DID its key cannot sign for', () => {
  it('refuses a did:key or did:jwk DID that comes with another key, a malformed key and one key id given two keys: BACKUP_INVALID, nothing restored', async () => {
    const other = await fresh();
    await other.createDid({ method: 'jwk', keyType: 'P-256' });
    const foreign = (await openBackup(await other.exportBackup(PASS, { kdf: TEST_BACKUP_KDF }), PASS)) as typeof contents;
    await other.close();
    type Did = { did: string; keys: Array<Record<string, string>> };
    const [mine] = contents.dids as Did[];
    const [theirs] = foreign.dids as unknown as Did[];
    const variants: Array<Partial<typeof contents>> = [
      // the holder's DID with someone else's private key
      {
        dids: [
          {
            ...structuredClone(mine),
            keys: [{ ...mine?.keys[0], privateKeyHex: theirs?.keys[0]?.privateKeyHex as string, type: 'Secp256r1' }],
          },
        ],
      },
      // someone else's key under the holder's did:jwk... and the other way round
      { dids: [{ ...structuredClone(theirs), did: mine?.did as string }] },
      { dids: [{ ...structuredClone(mine), did: theirs?.did as string }] },
      { dids: [{ ...structuredClone(mine), keys: [{ ...mine?.keys[0], privateKeyHex: 'ab' }] }] },
      { dids: [structuredClone(mine), { ...structuredClone(theirs), keys: [{ ...theirs?.keys[0], kid: mine?.keys[0]?.kid as string }] }] },
    ] as never;
    for (const change of variants) {
      const w = await fresh();
      try {
        expect(await codeOf(w.importBackup(await seal(change), PASS))).toBe('BACKUP_INVALID');
        expect(await w.count()).toBe(0);
        expect(await w.listDids()).toEqual([]);
      } finally {
        await w.close();
      }
    }
  });
});

describe('bad options are INVALID_ARGUMENT, not raw errors', () => {
  it('openWallet, restoreWallet and exportBackup check their options (object, KDF cost)', async () => {
    const w = await fresh();
    try {
      const file = await w.exportBackup(PASS, { kdf: TEST_BACKUP_KDF });
      expect(await codeOf(openWallet(null as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(restoreWallet(null as never, file, PASS))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(w.exportBackup(PASS, null as never))).toBe('INVALID_ARGUMENT');
      for (const kdf of [{ N: 3, r: 8, p: 1 }, { N: 2 ** 40, r: 8, p: 1 }, 'cheap', { N: 1024, r: 0, p: 1 }]) {
        expect(await codeOf(openWallet({ path: tmp.file(`kdf-${n++}.db`), secret: SECRET, kdf: kdf as never }))).toBe('INVALID_ARGUMENT');
      }
    } finally {
      await w.close();
    }
  });
});
