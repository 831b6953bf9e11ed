// Points of the short Weierstrass curves did:key names (y² = x³ + ax + b over GF(p)):
// decoding a compressed key and checking that a point lies on its curve. This is all
// the curve arithmetic Tradewind needs (signatures are verified by the platform), so a
// few BigInt lines stand in for a curve library in the browser build.

export interface Curve {
  name: 'P-256' | 'P-384' | 'P-521' | 'secp256k1';
  /** Field prime. Every curve here has p ≡ 3 (mod 4), so √a = a^((p+1)/4). */
  p: bigint;
  a: bigint;
  b: bigint;
  /** Group order. */
  n: bigint;
  /** Bytes of a coordinate. */
  size: number;
}

// SEC 2 v2 (https://www.secg.org/sec2-v2.pdf) §2.4.1 (secp256k1), §2.4.2 (secp256r1 = P-256),
// §2.5.1 (secp384r1 = P-384), §2.6.1 (secp521r1 = P-521); FIPS 186-5 / SP 800-186 §3.2.1.
export const P256: Curve = {
  name: 'P-256',
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  a: -3n,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  size: 32,
};

export const SECP256K1: Curve = {
  name: 'secp256k1',
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
  a: 0n,
  b: 7n,
  n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  size: 32,
};

export const P384: Curve = {
  name: 'P-384',
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
  a: -3n,
  b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  size: 48,
};

export const P521: Curve = {
  name: 'P-521',
  p: (1n << 521n) - 1n,
  a: -3n,
  b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  size: 66,
};

function mod(a: bigint, p: bigint): bigint {
  const r = a % p;
  return r < 0n ? r + p : r;
}

function pow(base: bigint, exponent: bigint, p: bigint): bigint {
  let result = 1n;
  let b = mod(base, p);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % p;
    b = (b * b) % p;
  }
  return result;
}

/** Big-endian bytes as an unsigned integer. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

/** An unsigned integer as `size` big-endian bytes. */
export function bigintToBytes(n: bigint, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = size - 1, v = n; i >= 0; i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
  return bytes;
}

const rhs = (c: Curve, x: bigint) => mod(x * x * x + c.a * x + c.b, c.p);

/**
 * The affine point an SEC 1 (§2.3.4) compressed (0x02/0x03 ‖ x) or uncompressed
 * (0x04 ‖ x ‖ y) encoding stands for, or undefined when the bytes are not a point of
 * the curve (wrong length or prefix, a coordinate not below p, not on the curve).
 */
export function decodePoint(c: Curve, bytes: Uint8Array): { x: bigint; y: bigint } | undefined {
  const prefix = bytes[0];
  if ((prefix === 2 || prefix === 3) && bytes.length === c.size + 1) {
    const x = bytesToBigint(bytes.subarray(1));
    if (x >= c.p) return undefined;
    const y2 = rhs(c, x);
    let y = pow(y2, (c.p + 1n) / 4n, c.p);
    if ((y * y) % c.p !== y2) return undefined;
    if ((y & 1n) !== BigInt(prefix & 1)) y = c.p - y;
    // y = 0 has no odd twin: 0x03 with it names no point.
    if ((y & 1n) !== BigInt(prefix & 1)) return undefined;
    return { x, y };
  }
  if (prefix === 4 && bytes.length === 2 * c.size + 1) {
    const x = bytesToBigint(bytes.subarray(1, 1 + c.size));
    const y = bytesToBigint(bytes.subarray(1 + c.size));
    if (x >= c.p || y >= c.p || (y * y) % c.p !== rhs(c, x)) return undefined;
    return { x, y };
  }
  return undefined;
}
