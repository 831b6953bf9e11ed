/** What the verifier reads of one X.509 certificate of an `x5c` chain or an anchor. */
export interface ParsedCertificate {
  /** The certificate as DER. */
  der: Uint8Array;
  /** SHA-256 of the DER, base64url: what `x5t#S256` names. */
  sha256: string;
  /** Subject distinguished name, for messages. */
  subject: string;
  /** Validity window, ms since the epoch. */
  notBefore: number;
  notAfter: number;
  /** basicConstraints cA. */
  ca: boolean;
  /** subjectAltName URIs and DNS names; undefined when it has none or cannot be read. */
  san: { uris: string[]; dns: string[] } | undefined;
  /** The subject public key as JWK members (`kty`, `crv`, `x`, `y`; RSA keys have `kty: 'RSA'`); undefined when unreadable. */
  publicKey: { kty?: string; crv?: string; x?: string; y?: string } | undefined;
}

/**
 * X.509 parsing and signature checks of a platform (node:crypto's X509Certificate).
 * Policy (anchors, dates, CA flags, names) is the verifier's, not the backend's.
 */
export interface X509Backend {
  /** Parses a DER certificate; throws when it is not one. */
  parse(der: Uint8Array): ParsedCertificate;
  /** Whether `parent` issued `child`: the names chain and `child`'s signature verifies with `parent`'s key. */
  issued(parent: ParsedCertificate, child: ParsedCertificate): boolean | Promise<boolean>;
}
