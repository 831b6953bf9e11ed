import { X509Certificate } from 'node:crypto';
import { base64urlEncode } from '@tradewind/core';
import type { ParsedCertificate, X509Backend } from './x509.js';

const handles = new WeakMap<ParsedCertificate, X509Certificate>();

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
      notBefore,
      notAfter,
      ca: cert.ca,
      san: readSubjectAltName(cert.subjectAltName),
      publicKey,
    };
    handles.set(parsed, cert);
    return parsed;
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
