// P-256 public keys as did:key and Multikey write them (SEC 1 compressed points), turned
// into JWK coordinates with @noble/curves' point decoding. Only the point arithmetic is
// imported (`weierstrassN`), not the whole curve with its signing and hashing code: the
// platform verifies the signatures (node:crypto or WebCrypto), so the browser build
// carries a quarter of what `@noble/curves/p256` would add.

/** P-256 (secp256r1) domain parameters: SEC 2 v2 §2.4.2, FIPS 186-5 / SP 800-186 §3.2.1.3. */
export const P256_PARAMS: Readonly<Record<'p' | 'n' | 'h' | 'a' | 'b' | 'Gx' | 'Gy', bigint>> = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  h: 1n,
  a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  Gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  Gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

type PointClass = import('@noble/curves/abstract/weierstrass').WeierstrassPointCons<bigint>;
let point: Promise<PointClass> | undefined;

// Loaded on first use: Ed25519-only verifiers never pay for the curve code at start-up.
function pointClass(): Promise<PointClass> {
  point ??= import('@noble/curves/abstract/weierstrass').then(({ weierstrassN }) => weierstrassN<bigint>({ ...P256_PARAMS }));
  return point;
}

/**
 * The affine coordinates (32 bytes each, big-endian) of a P-256 point in SEC 1 form
 * (0x02/0x03 ‖ x, or 0x04 ‖ x ‖ y); undefined when the bytes are not a point on the curve.
 */
export async function decodeP256Point(bytes: Uint8Array): Promise<{ x: Uint8Array; y: Uint8Array } | undefined> {
  const Point = await pointClass();
  try {
    const p = Point.fromBytes(bytes);
    p.assertValidity();
    const raw = p.toBytes(false);
    return { x: raw.subarray(1, 33), y: raw.subarray(33, 65) };
  } catch {
    return undefined;
  }
}
