import type { IssueDocumentRequest, IssuedCredential, IssueRequest, Issuer } from '@tradewind/issuer';
import type { createVerifier } from '@tradewind/verifier';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { StateStore } from './state-store.js';

/** The service's settings, after reading the config file and the environment (see config.ts). */
export interface ServiceConfig {
  /** Address to listen on (default 127.0.0.1) and port (0 picks a free one). */
  host: string;
  port: number;
  /** The public base URL the agency serves under, e.g. `https://registry.gov.tt`; names the did:web DID and every published URL. */
  baseUrl: string;
  /**
   * The issuer's database (keys, issuance log, status lists): a SQLite file path, or a
   * `postgres://` / `postgresql://` connection URL (its password, if any, is never logged).
   */
  database: string;
  /**
   * The service's own state (offers, tokens, nonces, batch jobs): a SQLite file of its
   * own, or a PostgreSQL URL. With a PostgreSQL `database` it defaults to that database.
   */
  stateDatabase: string;
  /** The folder of batch jobs' uploaded inputs and credentials files (see config.ts for its default). */
  batchFolder?: string;
  /**
   * PostgreSQL: most connections the issuer's pool opens (default 10); the state's pool
   * opens at most half as many (at least 2). Unused on SQLite.
   */
  databasePoolSize?: number;
  /**
   * How long a running batch job's lease lasts unless renewed, seconds (renewed every third
   * of it): an instance that dies holding a job leaves it to the others this long after.
   */
  batchLeaseSeconds?: number;
  /** The secret that encrypts the issuer's keys at rest. */
  secret: string;
  /** Admin API keys, stored hashed: `sha256:<hex>` of the key. */
  adminKeyHashes: string[];
  limits: {
    /** Largest JSON request body, bytes. */
    bodyBytes: number;
    /** Largest batch upload, bytes. */
    batchBytes: number;
    /** Requests per window per client address on public endpoints. */
    publicRequestsPerWindow: number;
    windowMs: number;
  };
  /** How long a published status list credential is valid (its `validUntil`), seconds. */
  statusListValidForSeconds: number;
  oid4vci: {
    /** Lifetime of a pre-authorized code, seconds. */
    offerTtlSeconds: number;
    /** Lifetime of an access token, seconds. */
    tokenTtlSeconds: number;
    /** Lifetime of a c_nonce, seconds. */
    nonceTtlSeconds: number;
    /**
     * What the agency offers to wallets, by credential configuration id (OpenID4VCI
     * `credential_configurations_supported`). Default: `NationalIdCredential` as `jwt_vc_json`.
     */
    credentialConfigurations: Record<string, CredentialConfiguration>;
  };
  /** Accept http:// (not https://) base URLs and wallets: tests on 127.0.0.1 only. */
  allowInsecureHttp: boolean;
  /**
   * Let the verify endpoints accept high-S ECDSA signatures (`@tradewind/verifier`'s
   * `allowHighS`; default false: a signature has one encoding). For verifying ES256
   * credentials of signers that do not normalise S.
   */
  allowHighS?: boolean;
  /** Log level for pino (default 'info'). */
  logLevel: string;
  /** Longest `Cache-Control: max-age` of a published status list, seconds (never beyond its `validUntil`; default 300). */
  statusListMaxAgeSeconds?: number;
  /** A recognition policy file and recognition list files (compact vc+jwt or JSON) the verify endpoints use besides the service's own DID. */
  recognition?: { policy?: string; lists?: string[] };
  /** scrypt cost for a new issuer database (tests only: the default cost is slow on purpose). */
  kdf?: { N: number; r: number; p: number };
}

type Verifier = ReturnType<typeof createVerifier>;

/** What every route module gets. */
export interface ServiceContext {
  config: ServiceConfig;
  issuer: Issuer;
  /** The service's issuer DID (did:web for `baseUrl`). */
  did: string;
  /** Verifies with the service's recognition policy (its own DID trusted, status from its own lists). */
  verifier: Verifier;
  logger: Logger;
  state: StateStore;
  /** Issues through the group-commit queue: concurrent calls share a transaction; each is durable before it resolves. */
  issue(request: IssueDocumentRequest | IssueRequest): Promise<IssuedCredential>;
  /** Runs work the shutdown waits for; throws HttpError 503 SHUTTING_DOWN once draining has begun. */
  track<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The path part of `baseUrl` ('' for a bare host, e.g. `/issuers/civil`): every route of
   * every module is served under it (see the README).
   */
  basePath?: string;
  /**
   * Tells the service that the DID document changed (a key was rotated): the verifier
   * reads the new document and the status lists are signed again with the current key.
   */
  didDocumentChanged?(): void;
  /** Tells the service that a credential's status changed outside `POST /credentials/status`, so the published lists are signed again. */
  statusChanged?(): void;
}

/** One credential configuration the service offers over OpenID4VCI. */
export type CredentialConfiguration = JwtVcCredentialConfiguration | SdJwtCredentialConfiguration;

/** A VCDM 1.1 credential (`jwt_vc`) offered as `jwt_vc_json`, bound to the holder DID as its subject. */
export interface JwtVcCredentialConfiguration {
  /** OpenID4VCI format identifier: `jwt_vc_json` (a VCDM 1.1 `jwt_vc`). */
  format: 'jwt_vc_json';
  /** The credential's `type` values, `VerifiableCredential` first. */
  types: string[];
  /** Extra `@context` entries after the base context. */
  contexts?: string[];
  /** Wallet display names. */
  display?: Array<{ name: string; locale?: string }>;
  /** Status purposes of credentials issued under it (default `['revocation', 'suspension']`). */
  status?: Array<'revocation' | 'suspension'>;
}

/**
 * An SD-JWT VC (`dc+sd-jwt`): the claims are top-level claims of the SD-JWT, selectively
 * disclosable as the issuer's defaults for `type` say (or `disclose`), bound (`cnf`) to
 * the key that signed the wallet's proof, with a Token Status List entry.
 */
export interface SdJwtCredentialConfiguration {
  format: 'dc+sd-jwt';
  /** The issuer's credential type (its disclosure defaults and derived age claims), e.g. `NationalIdCredential`. */
  type: string;
  /** The SD-JWT VC type (`vct`); default `type`. */
  vct?: string;
  /** JSON Pointers of the selectively disclosable claims; default: the issuer's defaults for `type`. */
  disclose?: string[];
  /**
   * How `cnf` names the holder's key: `jwk` (default: the public key that signed the
   * proof) or `kid` (the proof's did:key / did:jwk DID URL; a proof with a `jwk` header
   * is then refused, as it names no DID).
   */
  holderBinding?: 'jwk' | 'kid';
  /** Wallet display names. */
  display?: Array<{ name: string; locale?: string }>;
  /** Claims metadata for wallets (OpenID4VCI 1.0 Appendix B.2): `path` and display names. */
  claims?: Array<{ path: Array<string | number | null>; mandatory?: boolean; display?: Array<{ name: string; locale?: string }> }>;
  /**
   * Status of credentials issued under it: `['revocation', 'suspension']` (the default)
   * or `['revocation']` give a Token Status List entry (its one 2-bit value covers both),
   * `[]` none.
   */
  status?: Array<'revocation' | 'suspension'>;
}

/**
 * A part of the service: its routes (admin routes apply `requireAdmin` themselves), and
 * what it does on graceful shutdown once new work is refused (finish or cleanly stop
 * what is in flight; leave nothing half-written).
 */
export interface ServiceModule {
  routes: Hono;
  shutdown?(): Promise<void>;
}
