import { createCipheriv } from 'node:crypto';

/**
 * A keyed pseudorandom permutation of `0 .. size-1` (a balanced 4-round Feistel network
 * whose round functions are random tables drawn from AES-256-CTR under the list's key,
 * cycle-walking into the domain). Status list indexes are taken
 * as `permute(0), permute(1), ...`, so they look random to anyone without the key
 * (herd privacy: neighbouring indexes say nothing about issuance order), never repeat,
 * and need no retry loop or lookup as the list fills up — only a counter that is
 * persisted in the same transaction as the issuance.
 */
export class IndexPermutation {
  private readonly halfBits: number;
  private readonly mask: number;
  private readonly tables: Uint32Array;

  constructor(
    key: Buffer,
    private readonly size: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 2 || size > 2 ** 30) throw new RangeError('permutation size out of range');
    if (key.length !== 32) throw new RangeError('permutation key must be 32 bytes');
    const bits = Math.ceil(Math.log2(size));
    this.halfBits = Math.ceil(bits / 2);
    this.mask = 2 ** this.halfBits - 1;
    // 4 rounds x 2^halfBits random words (at most 4 x 32768): a one-off few hundred KiB of keystream.
    const entries = 4 * 2 ** this.halfBits;
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const stream = cipher.update(Buffer.alloc(entries * 4));
    this.tables = new Uint32Array(stream.buffer.slice(stream.byteOffset, stream.byteOffset + entries * 4));
  }

  /** The image of `n` (0 <= n < size). */
  permute(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.size) throw new RangeError('permutation input out of range');
    let x = n;
    // The Feistel domain (2^(2*halfBits)) is at most 4x the list: walking the cycle
    // until the value falls inside the list keeps it a bijection on 0..size-1.
    do x = this.encrypt(x);
    while (x >= this.size);
    return x;
  }

  private encrypt(x: number): number {
    let left = Math.floor(x / 2 ** this.halfBits) & this.mask;
    let right = x & this.mask;
    for (let round = 0; round < 4; round++) {
      const f = this.round(round, right);
      [left, right] = [right, (left ^ f) & this.mask];
    }
    return left * 2 ** this.halfBits + right;
  }

  private round(round: number, value: number): number {
    return (this.tables[(round << this.halfBits) | value] as number) & this.mask;
  }
}
