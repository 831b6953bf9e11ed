import { gunzipSync, gzipSync } from 'node:zlib';
import { BitstringStatusList, createList, decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { createStatusBitstring, getStatusBit, MIN_STATUS_LIST_LENGTH, setStatusBit, TradewindError } from '@tradewind/core';
import { decodeStatusList, encodeStatusList } from '@tradewind/core/status-list';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TradewindError ? e.code : `not a TradewindError: ${String(e)}`;
  }
  return undefined;
}

describe('Bitstring Status List codec', () => {
  it('creates lists of at least 131,072 entries, all zero', () => {
    const bits = createStatusBitstring();
    expect(bits.length * 8).toBe(MIN_STATUS_LIST_LENGTH);
    expect(bits.every((b) => b === 0)).toBe(true);
    expect(codeOf(() => createStatusBitstring(1024))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createStatusBitstring(MIN_STATUS_LIST_LENGTH + 3))).toBe('INVALID_ARGUMENT');
  });

  it('numbers bits from the most significant bit of the first byte (spec §3.1)', () => {
    const bits = createStatusBitstring();
    setStatusBit(bits, 0, true);
    expect(bits[0]).toBe(0b1000_0000);
    setStatusBit(bits, 7, true);
    expect(bits[0]).toBe(0b1000_0001);
    setStatusBit(bits, 9, true);
    expect(bits[1]).toBe(0b0100_0000);
    setStatusBit(bits, 0, false);
    expect(bits[0]).toBe(0b0000_0001);
    expect(getStatusBit(bits, 9)).toBe(true);
    expect(getStatusBit(bits, 8)).toBe(false);
  });

  it('rejects indexes outside the list', () => {
    const bits = createStatusBitstring();
    expect(codeOf(() => getStatusBit(bits, MIN_STATUS_LIST_LENGTH))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => setStatusBit(bits, -1, true))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => getStatusBit(bits, 1.5))).toBe('LIMIT_EXCEEDED');
  });

  it('encodes as multibase base64url GZIP ("u" prefix) that plain gunzip reads', () => {
    const bits = createStatusBitstring();
    setStatusBit(bits, 94567, true);
    const encoded = encodeStatusList(bits);
    expect(encoded.startsWith('uH4sI')).toBe(true); // 'u' + base64url of the GZIP magic 1f 8b 08
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    const raw = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    expect(raw.equals(Buffer.from(bits))).toBe(true);
  });

  it('round-trips arbitrary sets of indexes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: MIN_STATUS_LIST_LENGTH - 1 }), { maxLength: 200 }), (indexes) => {
        const bits = createStatusBitstring();
        for (const i of indexes) setStatusBit(bits, i, true);
        const decoded = decodeStatusList(encodeStatusList(bits));
        expect(Buffer.from(decoded).equals(Buffer.from(bits))).toBe(true);
        for (const i of indexes) expect(getStatusBit(decoded, i)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('decodes a list produced by an independent implementation (@digitalbazaar/vc-bitstring-status-list)', async () => {
    const list = await createList({ length: MIN_STATUS_LIST_LENGTH });
    for (const i of [0, 1, 8, 4242, 94567, MIN_STATUS_LIST_LENGTH - 1]) list.setStatus(i, true);
    const encoded = await list.encode();
    const decoded = decodeStatusList(encoded);
    expect(decoded.length * 8).toBe(MIN_STATUS_LIST_LENGTH);
    for (let i = 0; i < MIN_STATUS_LIST_LENGTH; i += 1) {
      if (getStatusBit(decoded, i) !== list.getStatus(i)) throw new Error(`bit ${i} differs`);
    }
    expect(getStatusBit(decoded, 94567)).toBe(true);
    expect(getStatusBit(decoded, 94568)).toBe(false);
  });

  it('produces lists the independent implementation decodes to the same bits', async () => {
    const bits = createStatusBitstring();
    const set = [3, 77, 1000, 65_536, MIN_STATUS_LIST_LENGTH - 2];
    for (const i of set) setStatusBit(bits, i, true);
    const theirs = await decodeList({ encodedList: encodeStatusList(bits) });
    for (const i of set) expect(theirs.getStatus(i)).toBe(true);
    for (const i of [0, 2, 4, 78, 65_535, MIN_STATUS_LIST_LENGTH - 1]) expect(theirs.getStatus(i)).toBe(false);
    expect(theirs).toBeInstanceOf(BitstringStatusList);
  });

  it('rejects a gzip bomb with LIMIT_EXCEEDED before inflating it fully', () => {
    const bomb = `u${gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64url')}`;
    expect(bomb.length).toBeLessThan(200_000);
    expect(codeOf(() => decodeStatusList(bomb))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => decodeStatusList(encodeStatusList(createStatusBitstring(262_144)), { maxBytes: 16_384 }))).toBe('LIMIT_EXCEEDED');
    expect(decodeStatusList(encodeStatusList(createStatusBitstring()), { maxBytes: 16_384 })).toHaveLength(16_384);
  });

  it('rejects encodedList values that are not multibase base64url GZIP with MALFORMED', () => {
    const valid = encodeStatusList(createStatusBitstring());
    expect(codeOf(() => decodeStatusList(valid.slice(1)))).toBe('MALFORMED'); // no multibase prefix
    expect(codeOf(() => decodeStatusList(`z${valid.slice(1)}`))).toBe('MALFORMED'); // base58 prefix
    expect(codeOf(() => decodeStatusList('u!!!'))).toBe('MALFORMED');
    expect(codeOf(() => decodeStatusList(`u${Buffer.from('not gzip at all, just text').toString('base64url')}`))).toBe('MALFORMED');
    expect(codeOf(() => decodeStatusList(valid.slice(0, valid.length - 12)))).toBe('MALFORMED'); // truncated
    expect(codeOf(() => decodeStatusList(42 as unknown as string))).toBe('MALFORMED');
  });
});
