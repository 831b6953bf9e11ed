export {
  asStorageFailure,
  createPostgresPool,
  type DatabaseEngine,
  type DatabaseLocation,
  parseDatabaseLocation,
  toPostgresPlaceholders,
} from './database.js';
export { TradewindJwkDidProvider } from './did-jwk-provider.js';
export { TradewindKeyDidProvider } from './did-key-provider.js';
export { withFileLock } from './init-lock.js';
export {
  type DidMethod,
  didWebDocument,
  type KeyAlgorithm,
  type KeyPeriodMeta,
  type ManagedDid,
  RETIRED_AT_TERM,
  type RetiredKey,
  toManagedDid,
} from './managed-did.js';
export {
  applyMigrations,
  inspectMigrations,
  type MigrationClass,
  type MigrationOptions,
  type MigrationState,
  migrationNames,
} from './migrate.js';
export { newKeyPair } from './new-key-pair.js';
export { type ExportedKey, NodeCryptoKeyManagementSystem, publicJwkOfKey, type SupportedKeyType } from './node-crypto-kms.js';
export {
  type CreateDidOptions,
  type KeyRotation,
  KMS_NAME,
  type OpenAgentOptions,
  openAgent,
  type RotateKeyOptions,
  TradewindAgent,
  type VeramoAgent,
} from './open-agent.js';
export { DEFAULT_KDF } from './secret.js';
export { PostgresTransactions, type Query, TransactionRunner, type Transactions } from './transaction.js';
export { type WriteFileAtomicOptions, writeFileAtomic } from './write-file-atomic.js';
