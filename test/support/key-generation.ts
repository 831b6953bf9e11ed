// Test setup: Ed25519 and P-256 key pairs from crypto.generateKeyPairSync are made without
// its key generation job. On Node 20 that job shares a mutex with the keys it made; when
// the garbage collector frees it while the mutex is held — a JWK export of one of the
// keys, which tests do right after generating it, allocates under it — the process waits
// on itself for good, and a test worker stuck there never reaches its timeout. The keys
// come from @tradewind/agent's newKeyPair instead (random bytes or OpenSSL's EC key
// generation, imported); other key types and calls asking for encoded output go to Node.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { newKeyPair } from '../../packages/agent/src/new-key-pair.js';

const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
const original = crypto.generateKeyPairSync as (type: string, options?: Record<string, unknown>) => unknown;

if (!(original as { guarded?: true }).guarded) {
  const guarded = (type: string, options?: Record<string, unknown>) => {
    const encoded = options?.publicKeyEncoding !== undefined || options?.privateKeyEncoding !== undefined;
    if (!encoded && type === 'ed25519') return newKeyPair('Ed25519');
    if (!encoded && type === 'ec' && (options?.namedCurve === 'P-256' || options?.namedCurve === 'prime256v1')) return newKeyPair('P-256');
    return original(type, options);
  };
  (guarded as { guarded?: true }).guarded = true;
  (crypto as { generateKeyPairSync: unknown }).generateKeyPairSync = guarded;
  syncBuiltinESMExports();
}
