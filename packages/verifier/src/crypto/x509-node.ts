import { X509Certificate } from 'node:crypto';
import { base64urlEncode } from '@tradewind/core';
import type { CertificateConstraints, KeyUsageBit, ParsedCertificate, X509Backend } from './x509.js';
import { x5cKey } from './x509-chain.js';

const handles = new WeakMap<ParsedCertificate, X509Certificate>();
const constraintsRead = new WeakMap<ParsedCertificate, Promise<CertificateConstraints>>();

/** node:crypto's X509Certificate (OpenSSL): parsing, issuer names and signatures. */
export const nodeX509: X509Backend = {
  parse(der: Uint8Array): ParsedCertificate {
    const cert = new X509Certificate(der);
    // OpenSSL also reads PEM text and ignores bytes after the certificate: only exact DER counts.
    if (!cert.raw.equals(der)) throw new Error('not exactly one DER certificate');
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) throw new Error('certificate validity dates cannot be read');
    let publicKey: ParsedCertificate['publicKey'];
    try {
      publicKey = cert.publicKey.export({ format: 'jwk' }) as ParsedCertificate['publicKey'];
    } catch {
      publicKey = undefined; // a key type JWK cannot express: no usable key
    }
    const parsed: ParsedCertificate = {
      der: new Uint8Array(cert.raw),
      sha256: base64urlEncode(Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex')),
      subject: cert.subject,
      selfIssued: cert.subject === cert.issuer,
      notBefore,
      notAfter,
      san: readSubjectAltName(cert.subjectAltName),
      publicKey,
    };
    handles.set(parsed, cert);
    return parsed;
  },
  constraints(cert: ParsedCertificate): Promise<CertificateConstraints> {
    let read = constraintsRead.get(cert);
    if (!read) {
      read = readConstraints(cert.der);
      constraintsRead.set(cert, read);
    }
    return read;
  },
  issued(parent: ParsedCertificate, child: ParsedCertificate): boolean {
    const p = handles.get(parent);
    const c = handles.get(child);
    if (!p || !c) return false;
    try {
      return c.checkIssued(p) && c.verify(p.publicKey);
    } catch {
      return false; // a signature algorithm OpenSSL does not take
    }
  },
  anchoredKey(ctx, parsed, issuer, recognition, parallel) {
    return x5cKey(ctx, nodeX509, parsed, issuer, recognition, parallel);
  },
};

// Node writes names as "DNS:a, URI:b", a value with a comma, quote or other special
// character as a JSON string ("URI:\"…\""). Anything else unreadable: no names at all.
const NAME = /^([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,"]*)(?:, |$)/;

function readSubjectAltName(text: string | undefined): ParsedCertificate['san'] {
  if (!text) return undefined;
  const san = { uris: [] as string[], dns: [] as string[] };
  let rest = text;
  while (rest.length > 0) {
    const m = NAME.exec(rest);
    if (!m) return undefined;
    let value = m[2] as string;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        return undefined;
      }
    }
    if (m[1] === 'URI') san.uris.push(value);
    else if (m[1] === 'DNS') san.dns.push(value);
    rest = rest.slice(m[0].length);
  }
  return san;
}

// node:crypto does not expose pathLenConstraint, and its `keyUsage` is the extended key
// usage list: both extensions are read from the DER with an ASN.1 schema library, loaded
// the first time a chain is judged (it takes longer to load than the rest of the verifier).
let asn1: Promise<[typeof import('@peculiar/asn1-schema'), typeof import('@peculiar/asn1-x509')]> | undefined;

async function readConstraints(der: Uint8Array): Promise<CertificateConstraints> {
  asn1 ??= Promise.all([import('@peculiar/asn1-schema'), import('@peculiar/asn1-x509')]);
  const [{ AsnConvert }, x509] = await asn1;
  const certificate = AsnConvert.parse(der, x509.Certificate);
  const constraints: CertificateConstraints = { ca: false, pathLength: undefined, keyUsage: undefined };
  const seen = new Set<string>();
  for (const extension of certificate.tbsCertificate.extensions ?? []) {
    // RFC 5280 §4.2: an extension appears at most once (two could say different things).
    if (seen.has(extension.extnID)) throw new Error(`extension ${extension.extnID} appears twice`);
    seen.add(extension.extnID);
    if (extension.extnID === x509.id_ce_basicConstraints) {
      const basic = AsnConvert.parse(extension.extnValue, x509.BasicConstraints);
      constraints.ca = basic.cA === true;
      constraints.pathLength = basic.cA === true ? basic.pathLenConstraint : undefined;
    } else if (extension.extnID === x509.id_ce_keyUsage) {
      constraints.keyUsage = new Set(AsnConvert.parse(extension.extnValue, x509.KeyUsage).toJSON() as KeyUsageBit[]);
    }
  }
  return constraints;
}
