import type {
  CredentialFormat,
  DidKeyResolver,
  DidResolverOptions,
  JsonObject,
  PublicJwk,
  VerifiableCredential,
  VerifiablePresentation,
  VerificationIssue,
} from '@tradewind/core';
import type { RecognitionPolicy } from './recognition/policy.js';
import type { Recognition } from './recognition/recognize.js';

/** Limits applied to untrusted input before any parsing work. */
export interface InputLimits {
  /** Largest accepted input, in characters (compact JWT) or UTF-16 units of JSON text. Default 256 KiB. */
  maxInputLength?: number;
  /** Deepest accepted JSON nesting. Default 32. */
  maxDepth?: number;
  /** Most credentials accepted in one presentation. Default 64. */
  maxCredentials?: number;
  /** Largest recognition list or status list credential, in characters. Default 16 MiB. */
  maxListLength?: number;
}

/** A status list credential as published: a compact JWT or a JSON credential. */
export type StatusListSource = string | JsonObject;

/**
 * Where the verifier gets status list credentials by URL. Tradewind never fetches on
 * its own: a caller that wants network access supplies a provider that fetches.
 */
export interface StatusListProvider {
  /** The status list credential published at `url`, or undefined when it is not known. */
  get(url: string): StatusListSource | undefined | Promise<StatusListSource | undefined>;
}

/** How credential status (Bitstring Status List) is checked. */
export interface StatusOptions {
  /** Status list credentials by URL (in memory, e.g. read from files). Consulted first. */
  lists?: Record<string, StatusListSource> | Map<string, StatusListSource>;
  /**
   * A source for lists not in `lists` (cache, files, or a fetcher of the caller's). It
   * is only asked for `https:` URLs whose host is public (not loopback, private,
   * link-local or special-use, in any spelling) and whose path has no `.` or `..`
   * segment: the did:web rule. Other URLs are STATUS_UNAVAILABLE without asking it.
   */
  provider?: StatusListProvider;
  /** Let `http:` and loopback or private status list URLs reach `provider`. Off by default; for tests and closed networks. */
  allowInsecureUrls?: boolean;
  /**
   * What an unavailable, unverifiable or stale status list means: `reject` (default)
   * fails verification with STATUS_UNAVAILABLE; `warn` verifies and adds a warning.
   */
  onUnavailable?: 'reject' | 'warn';
  /**
   * Oldest acceptable status list, in seconds, by its validFrom (else its JWT `iat`; a
   * list with neither fails as STATUS_UNAVAILABLE). Default: no limit beyond validUntil.
   */
  maxAgeSeconds?: number;
  /** Largest decompressed status list, in bytes. Default 2 MiB (16 Mi entries). */
  maxListBytes?: number;
}

/** Options of {@link verifyCredential}. All optional; the defaults are the safe choice. */
export interface VerifyOptions {
  /** Evaluation time (audits, tests). Default: the current time. */
  now?: Date | string | number;
  /** Tolerated clock difference for validity checks, in seconds. Default 60. */
  clockSkewSeconds?: number;
  /**
   * Accept ES256 signatures in their high-S form. Default false: an ECDSA signature
   * (r, s) is as valid as (r, n−s), so only the low-S one is accepted and a credential
   * has one encoding. Signers that do not normalise (WebCrypto, node:crypto, platform
   * key stores) produce the high-S form half the time; a verifier that must read them
   * turns this on. A wallet stays safe either way: it identifies a credential by its
   * signed content, not by its signature bytes.
   */
  allowHighS?: boolean;
  /**
   * Issuer DIDs accepted. When given, a credential from any other issuer is rejected
   * with `UNTRUSTED_ISSUER`; when absent, any issuer whose signature checks is accepted.
   * It only ever narrows: with a recognition policy the issuer must be in this set and
   * be recognised by the policy; per call (on a verifier, or a wallet's `receive`) it
   * is intersected with the verifier's own set.
   */
  trustedIssuers?: Iterable<string>;
  /** Formats accepted. Default: all supported formats. */
  formats?: CredentialFormat[];
  limits?: InputLimits;
  /** A shared resolver (keeps its key cache across calls), or options to build one. */
  didResolver?: DidKeyResolver | DidResolverOptions;
  /**
   * Status lists for credentials that carry `credentialStatus`. Without any source, such
   * a credential fails with STATUS_UNAVAILABLE unless `onUnavailable` is `warn`.
   */
  status?: StatusOptions;
  /**
   * A recognition policy (see `parsePolicy`): whose recognition lists count, what is
   * accepted from the issuers they name, local trusted issuers, staleness and status
   * rules. The option `trustedIssuers` narrows what it accepts, never widens it.
   */
  policy?: RecognitionPolicy;
  /** Signed recognition lists (compact `vc+jwt` or JSON), verified once against the policy's anchors. */
  recognitionLists?: readonly StatusListSource[];
  /** Highest list sequence already seen per anchor (rollback protection across runs). */
  seenSequences?: Readonly<Record<string, number>>;
  /**
   * How the credentials of a presentation must relate to its holder. `subject` (the
   * default): every credential's subject id must be the holder, else `HOLDER_BINDING`.
   * `none`: credentials about someone else are accepted (a parent presenting a child's
   * birth certificate; VCDM 2.0 does not require subject = holder), and each one says
   * in `aboutHolder` whether it is about the holder. Given per call, else on the
   * verifier, else by the recognition policy, else `subject`. Credentials alone ignore it.
   */
  holderBinding?: HolderBinding;
  /** SD-JWT VC (`dc+sd-jwt`, and `vc+sd-jwt` as issued before 2025) settings. */
  sdJwt?: SdJwtOptions;
  /**
   * X.509 certificates the caller anchors (base64 DER or PEM): an SD-JWT VC whose `x5c`
   * chain ends at one of them is verified with the leaf's key, for the issuer the leaf
   * names (its subjectAltName must be the `iss` URI or its host). Recognition lists
   * anchor certificates per issuer instead (entry `x509`). Without an anchor an `x5c`
   * header is never trusted.
   */
  trustedCertificates?: readonly string[];
  /**
   * Offline material for Data Integrity (`di`) credentials and presentations: JSON-LD
   * contexts beyond the bundled ones, DID documents and https key/controller documents
   * for verification methods that do not resolve offline, and the issuers whose
   * proofs are read in a compatibility mode. Nothing is ever fetched.
   */
  dataIntegrity?: DataIntegrityOptions;
}

/** See {@link VerifyOptions.dataIntegrity}. */
export interface DataIntegrityOptions {
  /**
   * JSON-LD contexts by URL (a JSON object or JSON text), for credentials whose
   * `@context` names more than the bundled ones. A URL the verifier bundles must carry
   * the bundled content. A context neither bundled nor given is MALFORMED
   * (`context not available offline: <URL>`).
   */
  contexts?: Record<string, JsonObject | string> | Map<string, JsonObject | string>;
  /**
   * DID documents (for DIDs that do not resolve offline: did:web), and https key
   * documents with their controller documents (older MOSIP IDA credentials), each an
   * object with an `id`. They take precedence over any other resolution.
   */
  documents?: readonly JsonObject[];
  /**
   * Per issuer id: `mosip` reads that issuer's proofs with exactly the deviations of
   * MOSIP's Java stack (proof options canonicalised under security v3, undefined terms
   * dropped, `created` shifted by a time-zone offset, the DID itself in
   * assertionMethod, ECDSA over secp256k1), each one used reported as a COMPATIBILITY
   * warning. Never global: other issuers stay spec-strict.
   */
  compatibility?: Record<string, 'mosip'>;
  /**
   * Refuse ECDSA proofs whose signature has a high S (`s > n/2`) unless `allowHighS`.
   * Default false: Data Integrity proofs are accepted in either form. The cryptosuites
   * do not require low S, their reference implementations sign through WebCrypto, which
   * gives a high S half the time (as do the W3C test vectors), and a proof is never an
   * identifier (a wallet identifies a Data Integrity credential by its content without
   * the proof), so the second spelling of a signature gains an attacker nothing. JOSE
   * signatures keep their own rule (`allowHighS`, default false).
   */
  requireLowS?: boolean;
}

/** How SD-JWT VCs are verified. */
export interface SdJwtOptions {
  /** Oldest key-binding JWT accepted, by its `iat`, in seconds. Default 300. */
  keyBindingMaxAgeSeconds?: number;
  /** Accept `typ: vc+sd-jwt` (the media type before 2025, which MOSIP Inji issues). Default true. */
  acceptVcSdJwt?: boolean;
}

/** See {@link VerifyOptions.holderBinding}. */
export type HolderBinding = 'subject' | 'none';

/**
 * The names a result's `checks` may hold: the checks that ran (a failed one included),
 * in the order they ran; a check that did not apply (no status entry, no policy, no
 * expected nonce) is not listed.
 *
 * - `dataModel`: the input is a credential or presentation of the data model its format
 *   says (VCDM 2.0 or 1.1), and an envelope it came in is well formed and matches it.
 * - `proof`: algorithm, issuer (or holder) key and signature.
 * - `validity`: validFrom/validUntil (issuanceDate/expirationDate), nbf/exp, and an
 *   iat not in the future.
 * - `trustedIssuers`: the issuer is in the `trustedIssuers` set (or a policy's list).
 * - `recognition`: the issuer and credential are recognised under the policy's lists.
 * - `status`: credentialStatus (Bitstring Status List), when present or required.
 * - presentations only: `nonce`, `audience` (when expected), `holderBinding` (when
 *   `subject`), `credentials` (every embedded credential verified; each one's own
 *   `checks` are on it in `credentials`).
 * - SD-JWT VCs: `disclosures` (every disclosure's digest is in the signed payload, once,
 *   and none is left over), `keyBinding` (the key-binding JWT: signed by the `cnf` key,
 *   nonce, audience, `sd_hash`, freshness).
 */
export type VerificationCheck =
  | 'dataModel'
  | 'proof'
  | 'validity'
  | 'trustedIssuers'
  | 'recognition'
  | 'status'
  | 'nonce'
  | 'audience'
  | 'holderBinding'
  | 'credentials'
  | 'disclosures'
  | 'keyBinding';

/** Options of {@link verifyPresentation}: those of credentials, plus the binding to this exchange. */
export interface VerifyPresentationOptions extends VerifyOptions {
  /** The nonce the verifier gave the holder. When set, the presentation must carry exactly it. */
  nonce?: string;
  /** Who the presentation is for (`aud`). When set, the presentation must name it. */
  audience?: string;
  /**
   * Accept a presentation that carries no credentials (authentication only: it proves
   * control of the holder DID and nothing else). Off by default: a presentation with
   * no credentials fails with `MALFORMED`, since a verifier that asks for a
   * presentation almost always asks for a credential.
   */
  allowEmpty?: boolean;
}

export interface VerifiedCredential {
  verified: true;
  format: 'jwt_vc' | 'vc+jwt';
  /** The credential in VCDM JSON form (for `jwt_vc`, the `vc` claim merged with the JWT claims). */
  credential: VerifiableCredential;
  /** Issuer DID. */
  issuer: string;
  /** `credentialSubject.id` of the (first) subject, when it has one. */
  subject?: string;
  /** Verification method that signed it. */
  keyId: string;
  validFrom?: Date;
  validUntil?: Date;
  /** Non-fatal findings (for example a status list that could not be checked, when the policy only warns). */
  warnings: VerificationIssue[];
  /** Where the issuer is recognised from, when a recognition policy is in force. */
  recognition?: Recognition;
  /** The JOSE header and payload exactly as received. */
  header: JsonObject;
  payload: JsonObject;
  /** The checks that ran (see {@link VerificationCheck}). */
  checks: VerificationCheck[];
}

/** The Data Integrity proof that verified a `di` credential or presentation. */
export interface DataIntegrityProofSummary {
  /** `proof.type`: DataIntegrityProof, Ed25519Signature2020, RsaSignature2018, … */
  type: string;
  /** `proof.cryptosuite` of a DataIntegrityProof (eddsa-rdfc-2022, ecdsa-rdfc-2019, …). */
  cryptosuite?: string;
  created?: Date;
  proofPurpose: string;
  verificationMethod: string;
}

/** A verified Data Integrity credential (a JSON-LD credential secured with an embedded proof). */
export interface VerifiedDiCredential {
  verified: true;
  format: 'di';
  /** The credential as received, its `proof` included. */
  credential: VerifiableCredential;
  issuer: string;
  subject?: string;
  /** The verification method that signed it. */
  keyId: string;
  validFrom?: Date;
  validUntil?: Date;
  /** Non-fatal findings; COMPATIBILITY names each compatibility relaxation the proof needed. */
  warnings: VerificationIssue[];
  recognition?: Recognition;
  proof: DataIntegrityProofSummary;
  checks: VerificationCheck[];
}

/** A credential of a verified presentation. */
export type PresentedCredential = PresentedJwtCredential | PresentedDiCredential;

/** A JOSE credential of a verified presentation. */
export interface PresentedJwtCredential extends VerifiedCredential {
  /** Whether a subject of the credential is the presentation's holder (always true under holderBinding `subject`). */
  aboutHolder: boolean;
}

/** A Data Integrity credential of a verified presentation. */
export interface PresentedDiCredential extends VerifiedDiCredential {
  /** Whether a subject of the credential is the presentation's holder (always true under holderBinding `subject`). */
  aboutHolder: boolean;
}

export interface VerificationFailure {
  verified: false;
  errors: VerificationIssue[];
  format?: CredentialFormat;
  /**
   * The checks that ran, the failed ones included (see {@link VerificationCheck}).
   * Always set on the results of this package; optional for failures built elsewhere.
   */
  checks?: VerificationCheck[];
}

/** A claim an SD-JWT's holder disclosed. */
export interface DisclosedClaim {
  /** Where it sits in `claims`, as a JSON Pointer (`/address/locality`, `/nationalities/0`). */
  path: string;
  /** The claim name; absent for an array element. */
  name?: string;
  value: unknown;
}

/** A verified key-binding JWT (`kb+jwt`). */
export interface KeyBinding {
  nonce: string;
  /** Its `aud`. */
  audience: string;
  issuedAt: Date;
}

/**
 * A verified SD-JWT VC. `claims` holds exactly what the issuer signed in plain text plus
 * what the holder disclosed: nothing else of the credential is known to the verifier.
 */
export interface VerifiedSdJwtCredential {
  verified: true;
  format: 'dc+sd-jwt';
  /** The `typ` as received: `dc+sd-jwt`, or `vc+sd-jwt` (the media type before 2025). */
  mediaType: 'dc+sd-jwt' | 'vc+sd-jwt';
  vct: string;
  /** `iss`: a DID, or an https URL whose keys a recognition list or the caller anchors. */
  issuer: string;
  /** `sub`, when it is given or disclosed. */
  subject?: string;
  /** The key that signed: a DID URL, a recognition list key's kid, or `x5c#<SHA-256 thumbprint of the leaf>`. */
  keyId: string;
  /** The processed payload: plain claims and disclosed ones, without `_sd`, `_sd_alg` or array digests. */
  claims: JsonObject;
  /** Each disclosed claim, in the order of the disclosures. */
  disclosed: DisclosedClaim[];
  /** Digests with no disclosure presented (claims withheld, and decoys, which look the same). */
  undisclosed: number;
  /** The holder's key as `cnf` binds it. */
  holderKey?: { jwk?: PublicJwk; kid?: string };
  /** The key-binding JWT, when one was presented and verified. */
  keyBinding?: KeyBinding;
  validFrom?: Date;
  validUntil?: Date;
  warnings: VerificationIssue[];
  recognition?: Recognition;
  /** The issuer-signed JWT's header and payload exactly as received (`_sd` digests included). */
  header: JsonObject;
  payload: JsonObject;
  checks: VerificationCheck[];
}

export type CredentialVerificationResult = VerifiedCredential | VerifiedDiCredential | VerifiedSdJwtCredential | VerificationFailure;

export interface VerifiedPresentation {
  verified: true;
  format: 'jwt_vp' | 'vp+jwt';
  presentation: VerifiablePresentation;
  /** Holder DID (the presentation's signer). */
  holder: string;
  keyId: string;
  nonce?: string;
  audience?: string[];
  /** Each embedded credential, fully verified, saying whether it is about the holder. */
  credentials: PresentedCredential[];
  warnings: VerificationIssue[];
  /** The checks that ran on the presentation itself (see {@link VerificationCheck}). */
  checks: VerificationCheck[];
}

/** The credential of a verified SD-JWT presentation (always bound to the holder by its key). */
export interface PresentedSdJwtCredential extends VerifiedSdJwtCredential {
  aboutHolder: true;
  keyBinding: KeyBinding;
}

/** A verified SD-JWT VC presented with a key-binding JWT (`<jwt>~<disclosure>~…~<kb-jwt>`). */
export interface VerifiedSdJwtPresentation {
  verified: true;
  format: 'dc+sd-jwt';
  /** `cnf.kid` (a DID URL), or the RFC 9278 thumbprint URI of `cnf.jwk`. */
  holder: string;
  keyId: string;
  nonce: string;
  audience: string[];
  issuedAt: Date;
  credentials: [PresentedSdJwtCredential];
  warnings: VerificationIssue[];
  checks: VerificationCheck[];
}

/**
 * A verified Data Integrity presentation: its holder's `authentication` proof, with
 * `challenge` (the nonce) and `domain` (the audience), and every credential in it
 * (Data Integrity credentials, and JOSE ones in EnvelopedVerifiableCredentials).
 */
export interface VerifiedDiPresentation {
  verified: true;
  format: 'di';
  presentation: VerifiablePresentation;
  /** The holder: `holder`, the controller of the proof's verification method. */
  holder: string;
  keyId: string;
  /** `proof.challenge`. */
  nonce?: string;
  /** `proof.domain`, as an array. */
  audience?: string[];
  credentials: PresentedCredential[];
  warnings: VerificationIssue[];
  proof: DataIntegrityProofSummary;
  checks: VerificationCheck[];
}

export type PresentationVerificationResult =
  | VerifiedPresentation
  | VerifiedDiPresentation
  | VerifiedSdJwtPresentation
  | VerificationFailure;
