import { createPublicKey, ECDH, type KeyObject, sign as nodeSign, type SignKeyObjectInput } from 'node:crypto';
import { lowSSignature, TradewindError } from '@tradewind/core';
import type { IKey, ManagedKeyInfo, MinimalImportableKey, TKeyType } from '@veramo/core-types';
import { AbstractKeyManagementSystem, type AbstractPrivateKeyStore } from '@veramo/key-manager';
import { newPrivateKeyHex, privateKeyObject, type SupportedKeyType } from './new-key-pair.js';

export type { SupportedKeyType };

/** A private key as {@link NodeCryptoKeyManagementSystem.exportKeys} hands it out: decrypted. */
export interface ExportedKey {
  /** Key manager kid (`ManagedDid.keyId`). */
  kid: string;
  type: SupportedKeyType;
  /** Raw public key: Ed25519 32 bytes, P-256 compressed SEC1 point (as Veramo reports it). */
  publicKeyHex: string;
  /** Plaintext private key in kms-local's layout (Ed25519: seed || public key; Secp256r1: the scalar). */
  privateKeyHex: string;
}

interface LoadedKey {
  type: SupportedKeyType;
  key: KeyObject;
}

/**
 * A Veramo key management system that keeps Veramo's private key storage (the
 * `private-key` table, encrypted with a SecretBox) but signs with node:crypto.
 * Each private key is decrypted once per session and then kept as a non-exportable
 * `KeyObject`, which is what makes bulk issuance fast: kms-local decrypts and signs in
 * pure JavaScript on every call.
 *
 * Private keys are stored in the same hex layout as `@veramo/kms-local` (Ed25519:
 * seed || public key; Secp256r1: the 32-byte scalar), so a database stays readable by
 * a plain Veramo agent with kms-local.
 */
export class NodeCryptoKeyManagementSystem extends AbstractKeyManagementSystem {
  private readonly loaded = new Map<string, LoadedKey>();

  constructor(
    private readonly keyStore: AbstractPrivateKeyStore,
    /** Encrypts a private key as the key store does, for keys written by the caller's own transaction ({@link sealedKey}). */
    private readonly seal?: (privateKeyHex: string) => Promise<string>,
  ) {
    super();
  }

  /**
   * A new key that is not stored yet: its public info and its private key encrypted as
   * the key store keeps it, for a caller that writes the `private-key` row in its own
   * transaction (key rotation: the new key and the old key's retirement commit
   * together). Call `adopt` once that transaction has committed.
   */
  async sealedKey(type: SupportedKeyType): Promise<{ info: ManagedKeyInfo; sealedPrivateKeyHex: string; adopt: () => void }> {
    if (!this.seal) throw new TradewindError('INVALID_ARGUMENT', 'this key management system cannot write keys in a caller transaction');
    const hex = newPrivateKeyHex(type);
    const key = privateKeyObject(type, hex);
    const info = managedKeyInfo(type, key);
    const sealedPrivateKeyHex = await this.seal(hex);
    return { info, sealedPrivateKeyHex, adopt: () => this.loaded.set(info.kid, { type, key }) };
  }

  override async createKey({ type, kid }: { type: TKeyType; meta?: unknown; kid?: string }): Promise<ManagedKeyInfo> {
    if (type === 'Ed25519' || type === 'Secp256r1') {
      const supported: SupportedKeyType = type === 'Ed25519' ? 'Ed25519' : 'Secp256r1';
      return this.importKey({ type, kid, privateKeyHex: newPrivateKeyHex(supported) } as Exclude<MinimalImportableKey, 'kms'>);
    }
    throw new TradewindError('INVALID_ARGUMENT', `key type ${type} is not supported (use Ed25519 or Secp256r1)`);
  }

  override async importKey(args: Exclude<MinimalImportableKey, 'kms'>): Promise<ManagedKeyInfo> {
    if (args.type !== 'Ed25519' && args.type !== 'Secp256r1') {
      throw new TradewindError('INVALID_ARGUMENT', `key type ${args.type} is not supported (use Ed25519 or Secp256r1)`);
    }
    if (typeof args.privateKeyHex !== 'string') throw new TradewindError('INVALID_ARGUMENT', 'privateKeyHex is required to import a key');
    const key = privateKeyObject(args.type, args.privateKeyHex);
    const info = managedKeyInfo(args.type, key, args.kid);
    await this.keyStore.importKey({ alias: info.kid, type: args.type, privateKeyHex: args.privateKeyHex.toLowerCase() });
    this.loaded.set(info.kid, { type: args.type, key });
    return info;
  }

  override async listKeys(): Promise<ManagedKeyInfo[]> {
    const keys = await this.keyStore.listKeys({});
    return keys
      .filter((k) => k.type === 'Ed25519' || k.type === 'Secp256r1')
      .map((k) => managedKeyInfo(k.type as SupportedKeyType, privateKeyObject(k.type as SupportedKeyType, k.privateKeyHex), k.alias));
  }

  override async deleteKey({ kid }: { kid: string }): Promise<boolean> {
    this.loaded.delete(kid);
    return this.keyStore.deleteKey({ alias: kid });
  }

  /** Veramo's signing entry point: returns the JOSE signature as base64url. */
  override async sign({ keyRef, algorithm, data }: { keyRef: Pick<IKey, 'kid'>; algorithm?: string; data: Uint8Array }): Promise<string> {
    const signature = await this.signBytes(keyRef.kid, data, algorithm);
    return Buffer.from(signature).toString('base64url');
  }

  /**
   * Signs `data` with the key `kid` and returns the raw JOSE signature: 64 bytes
   * Ed25519, or r||s for ES256 (not DER).
   */
  async signBytes(kid: string, data: Uint8Array, algorithm?: string): Promise<Uint8Array> {
    const loaded = this.loaded.get(kid) ?? (await this.load(kid));
    if (loaded.type === 'Ed25519') {
      if (algorithm !== undefined && algorithm !== 'EdDSA' && algorithm !== 'Ed25519') {
        throw new TradewindError('UNSUPPORTED_ALGORITHM', `an Ed25519 key cannot sign ${algorithm}`);
      }
      return signOnThreadPool(null, data, loaded.key);
    }
    if (algorithm !== undefined && algorithm !== 'ES256') {
      throw new TradewindError('UNSUPPORTED_ALGORITHM', `a P-256 key cannot sign ${algorithm}`);
    }
    // node:crypto returns the high-S twin half the time; verifiers accept only low S.
    return lowSSignature(await signOnThreadPool('sha256', data, { key: loaded.key, dsaEncoding: 'ieee-p1363' }));
  }

  override async sharedSecret(): Promise<string> {
    throw new TradewindError('UNSUPPORTED_ALGORITHM', 'key agreement is not supported by this key management system');
  }

  /** The key type of a key this KMS holds. */
  async keyType(kid: string): Promise<SupportedKeyType> {
    return (this.loaded.get(kid) ?? (await this.load(kid))).type;
  }

  /**
   * Decrypts and returns private keys: those named by `kids` (in that order;
   * `KEY_NOT_FOUND` for one this database does not hold), or every key when `kids` is
   * omitted. The result is plaintext key material: see {@link TradewindAgent.exportKeys}.
   */
  async exportKeys(kids?: readonly string[]): Promise<ExportedKey[]> {
    const stored = kids === undefined ? (await this.keyStore.listKeys({})).map(checkStored) : [];
    for (const kid of kids ?? []) stored.push(await this.readStored(kid));
    return stored.map((k) => ({
      kid: k.alias,
      type: k.type,
      publicKeyHex: managedKeyInfo(k.type, privateKeyObject(k.type, k.privateKeyHex)).publicKeyHex,
      privateKeyHex: k.privateKeyHex.toLowerCase(),
    }));
  }

  /** Forgets every decrypted key (on close). */
  forget(): void {
    this.loaded.clear();
  }

  private async load(kid: string): Promise<LoadedKey> {
    const stored = await this.readStored(kid);
    const loaded = { type: stored.type, key: privateKeyObject(stored.type, stored.privateKeyHex) };
    this.loaded.set(kid, loaded);
    return loaded;
  }

  private async readStored(kid: string): Promise<StoredKey> {
    let stored: Awaited<ReturnType<AbstractPrivateKeyStore['getKey']>>;
    try {
      stored = await this.keyStore.getKey({ alias: kid });
    } catch {
      throw new TradewindError('KEY_NOT_FOUND', `no private key ${kid} in this database`);
    }
    return checkStored(stored);
  }
}

interface StoredKey {
  alias: string;
  type: SupportedKeyType;
  privateKeyHex: string;
}

function checkStored(stored: { alias: string; type: string; privateKeyHex: string }): StoredKey {
  if (stored.type !== 'Ed25519' && stored.type !== 'Secp256r1') {
    throw new TradewindError('UNSUPPORTED_ALGORITHM', `key ${stored.alias} has unsupported type ${stored.type}`);
  }
  if (!/^[0-9a-f]+$/i.test(stored.privateKeyHex)) {
    // SecretBox decryption yields an empty string under a different secret.
    throw new TradewindError('WRONG_SECRET', `private key ${stored.alias} cannot be decrypted with this secret`);
  }
  return { alias: stored.alias, type: stored.type, privateKeyHex: stored.privateKeyHex };
}

// The callback form of crypto.sign runs on libuv's thread pool: several signatures in
// flight use every core and leave the main thread free to build the next credentials.
function signOnThreadPool(algorithm: string | null, data: Uint8Array, key: KeyObject | SignKeyObjectInput): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    nodeSign(algorithm, data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

function managedKeyInfo(type: SupportedKeyType, key: KeyObject, kid?: string): ManagedKeyInfo {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  let publicKeyHex: string;
  if (type === 'Ed25519') {
    publicKeyHex = Buffer.from(jwk.x as string, 'base64url').toString('hex');
  } else {
    // Compressed SEC1 point, as kms-local reports Secp256r1 public keys.
    const y = Buffer.from(jwk.y as string, 'base64url');
    const prefix = ((y[31] ?? 0) & 1) === 1 ? '03' : '02';
    publicKeyHex = prefix + Buffer.from(jwk.x as string, 'base64url').toString('hex');
  }
  return {
    kid: kid ?? publicKeyHex,
    // The key manager overwrites this with the name the KMS is registered under.
    kms: 'local',
    type,
    publicKeyHex,
    meta: { algorithms: type === 'Ed25519' ? ['EdDSA', 'Ed25519'] : ['ES256'] },
  };
}

/** The public JWK of a Veramo key (Ed25519 raw or compressed/uncompressed P-256 hex). */
export function publicJwkOfKey(type: string, publicKeyHex: string): { kty: 'OKP' | 'EC'; crv: 'Ed25519' | 'P-256'; x: string; y?: string } {
  if (type === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyHex, 'hex').toString('base64url') };
  if (type === 'Secp256r1') {
    const full = Buffer.from(ECDH.convertKey(publicKeyHex, 'prime256v1', 'hex', 'hex', 'uncompressed') as string, 'hex');
    return { kty: 'EC', crv: 'P-256', x: full.subarray(1, 33).toString('base64url'), y: full.subarray(33, 65).toString('base64url') };
  }
  throw new TradewindError('UNSUPPORTED_ALGORITHM', `key type ${type} is not supported`);
}
