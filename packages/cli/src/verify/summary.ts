import { typesOf, type VerificationIssue } from '@tradewind/core';
import type { CredentialVerificationResult, PresentationVerificationResult, VerifiedCredential } from '@tradewind/verifier';

/**
 * The human form of a verification result: one screen, the verdict first, then what
 * was established (or each error as `CODE: message`).
 */
export function renderSummary(result: CredentialVerificationResult | PresentationVerificationResult): string {
  const lines: string[] = [];
  if (!result.verified) {
    lines.push('NOT VERIFIED');
    if (result.format) lines.push(row('format', result.format));
    lines.push('', ...issues('errors', result.errors));
  } else if ('holder' in result) {
    lines.push('VERIFIED presentation');
    lines.push(row('format', result.format), row('holder', result.holder), row('key', result.keyId));
    if (result.nonce !== undefined) lines.push(row('nonce', result.nonce));
    if (result.audience?.length) lines.push(row('audience', result.audience.join(', ')));
    lines.push(row('credentials', String(result.credentials.length)));
    result.credentials.forEach((c, i) => {
      lines.push('', `  credential ${i + 1}`, ...credentialRows(c).map((r) => `  ${r}`));
    });
    lines.push(...issues('warnings', result.warnings, true));
  } else {
    lines.push('VERIFIED');
    lines.push(...credentialRows(result), ...issues('warnings', result.warnings, true));
  }
  return lines.join('\n');
}

function credentialRows(c: VerifiedCredential): string[] {
  return [
    row('format', c.format),
    row('issuer', c.issuer),
    row('subject', c.subject ?? '(none)'),
    row('types', typesOf(c.credential.type).join(', ')),
    row('valid', validity(c.validFrom, c.validUntil)),
    row('key', c.keyId),
  ];
}

function validity(from: Date | undefined, until: Date | undefined): string {
  const f = from ? `from ${from.toISOString()}` : 'from (unspecified)';
  return `${f} ${until ? `until ${until.toISOString()}` : 'with no expiry'}`;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(11)} ${value}`;
}

function issues(title: string, list: readonly VerificationIssue[], blankBefore = false): string[] {
  if (list.length === 0) return [];
  return [...(blankBefore ? [''] : []), `${title}:`, ...list.map((e) => `  ${e.code}: ${e.message}${e.path ? ` (at ${e.path})` : ''}`)];
}
