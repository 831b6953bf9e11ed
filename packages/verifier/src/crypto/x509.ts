import type { ParsedJws } from '@tradewind/core';
import type { VerifyContext } from '../context.js';
import type { RecognitionState } from '../recognition/load-lists.js';
import type { IssuerKey } from '../sd-jwt/issuer-key.js';

/** What the verifier reads of one X.509 certificate of an `x5c` chain or an anchor. */
export interface ParsedCertificate {
  /** The certificate as DER. */
  der: Uint8Array;
  /** SHA-256 of the DER, base64url: what `x5t#S256` names. */
  sha256: string;
  /** Subject distinguished name, for messages. */
  subject: string;
  /** Subject and issuer names are the same (a CA's own key rollover): not counted against pathLenConstraint. */
  selfIssued: boolean;
  /** Validity window, ms since the epoch. */
  notBefore: number;
  notAfter: number;
  /** subjectAltName URIs and DNS names; undefined when it has none or cannot be read. */
  san: { uris: string[]; dns: string[] } | undefined;
  /** The subject public key as JWK members (`kty`, `crv`, `x`, `y`; RSA keys have `kty: 'RSA'`); undefined when unreadable. */
  publicKey: { kty?: string; crv?: string; x?: string; y?: string } | undefined;
}

/** RFC 5280 §4.2.1.3 keyUsage bits, by their ASN.1 names. */
export type KeyUsageBit =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'crlSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** The extensions that say what a certificate's key may do (RFC 5280 §4.2.1.3, §4.2.1.9), read from its DER. */
export interface CertificateConstraints {
  /** basicConstraints cA (false without the extension). */
  ca: boolean;
  /** basicConstraints pathLenConstraint: how many CA certificates (not self-issued) may follow it; undefined for no limit. */
  pathLength: number | undefined;
  /** The keyUsage bits set; undefined without the extension (the key's use is not restricted). */
  keyUsage: ReadonlySet<KeyUsageBit> | undefined;
}

/**
 * X.509 parsing and signature checks of a platform (node:crypto's X509Certificate),
 * and the verifier's chain rules over them (anchors, dates, CA flags, path length, key
 * usage, names: crypto/x509-chain.ts, the same for every backend).
 */
export interface X509Backend {
  /** Parses a DER certificate; throws when it is not one. */
  parse(der: Uint8Array): ParsedCertificate;
  /**
   * basicConstraints and keyUsage of a parsed certificate, read from its DER when first
   * asked (the ASN.1 reader loads then); rejects when they cannot be read or appear twice.
   */
  constraints(cert: ParsedCertificate): Promise<CertificateConstraints>;
  /** Whether `parent` issued `child`: the names chain and `child`'s signature verifies with `parent`'s key. */
  issued(parent: ParsedCertificate, child: ParsedCertificate): boolean | Promise<boolean>;
  /**
   * The issuer key of the JWS's `x5c` chain under the verifier's chain rules
   * (crypto/x509-chain.ts), after verifying the JWS with it; undefined when nothing
   * anchors the chain. The rules travel with the backend, so that a build without X.509
   * (the browser's) carries none of them.
   */
  anchoredKey(
    ctx: VerifyContext,
    parsed: ParsedJws,
    issuer: string,
    recognition: RecognitionState | undefined,
    parallel: boolean,
  ): Promise<IssuerKey | undefined>;
}
