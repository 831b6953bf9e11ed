// Arguments a hostile or careless caller passes to the wallet: null, getters and
// Proxies that throw, values of the wrong type. Every one is INVALID_ARGUMENT, never a
// raw TypeError from deep inside.
import { TradewindError } from '@tradewind/core';
import { openWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, SECRET, TEST_KDF, tempDir, vcJwt } from './fixtures.js';

const tmp = tempDir();
let wallet: Wallet;
let id: string;

beforeAll(async () => {
  wallet = await openWallet({ path: tmp.file('w.db'), secret: SECRET, kdf: TEST_KDF });
  const holder = (await wallet.createDid()).did;
  id = (await wallet.receive(await vcJwt(issuer('key'), holder))).credential.id;
});
afterAll(async () => {
  await wallet.close();
  tmp.cleanup();
});

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  const e = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(e).toBeInstanceOf(TradewindError);
  return (e as TradewindError).code;
}

const boom = () => {
  throw new Error('boom');
};
const proxy = new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom }) as never;

describe('bad arguments are INVALID_ARGUMENT', () => {
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['find(null)', () => wallet.find(null as never)],
    ['find(Proxy)', () => wallet.find(proxy)],
    ['find({ validAt: Proxy })', () => wallet.find({ validAt: proxy })],
    ['list(null)', () => wallet.list(null as never)],
    ['list(Proxy)', () => wallet.list(proxy)],
    ['createDid(null)', () => wallet.createDid(null as never)],
    ['createDid(Proxy)', () => wallet.createDid(proxy)],
    ['createDid({ keyType: Proxy })', () => wallet.createDid({ keyType: proxy })],
    ['delete(Symbol)', () => wallet.delete(Symbol('id') as never)],
    ['delete(Proxy)', () => wallet.delete(proxy)],
    ['receive(Proxy)', () => wallet.receive(proxy)],
    ['receive(jwt, Proxy options)', () => wallet.receive('a.b.c', proxy)],
    ['receiveAll([Proxy])', () => wallet.receiveAll([proxy])],
    ['present(undefined)', () => wallet.present(undefined as never)],
    ['present(Proxy)', () => wallet.present(proxy)],
    ['present({ credentials: [Proxy] })', () => wallet.present({ credentials: [proxy], audience: 'a', nonce: 'n' })],
    ['present({ format: Proxy })', () => wallet.present({ credentials: [id], audience: 'a', nonce: 'n', format: proxy })],
    ["present({ now: 'x' })", () => wallet.present({ credentials: [id], audience: 'a', nonce: 'n', now: 'x' as never })],
    ['present({ now: Proxy })', () => wallet.present({ credentials: [id], audience: 'a', nonce: 'n', now: proxy })],
    [
      'present({ expiresInSeconds: 2^53 })',
      () => wallet.present({ credentials: [id], audience: 'a', nonce: 'n', expiresInSeconds: 2 ** 53 }),
    ],
    ['exportBackup(p, { kdf: 10n })', () => wallet.exportBackup('p', { kdf: 10n as never })],
    ['exportBackup(p, { kdf: Proxy })', () => wallet.exportBackup('p', { kdf: proxy })],
    ['storeVerified(array whose elements throw)', () => wallet.storeVerified(new Proxy([], { get: boom }) as never)],
    ['openWallet({ path with NUL })', () => openWallet({ path: tmp.file('a\0b.db'), secret: SECRET, kdf: TEST_KDF })],
  ];
  for (const [name, call] of cases) {
    it(name, async () => {
      expect(await codeOf(call)).toBe('INVALID_ARGUMENT');
    });
  }
});
