import { typesOf, type VerificationIssue } from '@tradewind/core';
import type {
  CredentialVerificationResult,
  PresentationVerificationResult,
  VerifiedCredential,
  VerifiedDiCredential,
  VerifiedSdJwtCredential,
} from '@tradewind/verifier';
import { escapeForTerminal } from '../terminal-text.js';

/** What the verification ran with, beyond the result itself: the human summary says it. */
export interface SummaryContext {
  /** A recognition policy was in force (`--policy`). */
  policy: boolean;
}

const NO_POLICY = 'any issuer with a valid signature is accepted (no recognition policy)';

/**
 * The human form of a verification result: one screen, the verdict first, then what
 * was established (or each error as `CODE: message`). A verified result says which
 * issuers were acceptable (without a policy: any whose signature verifies) and whether
 * the credential's status was checked, so a bare VERIFIED is never read as more than it
 * is. Every value from the input is escaped for the terminal.
 */
export function renderSummary(
  result: CredentialVerificationResult | PresentationVerificationResult,
  context: SummaryContext = { policy: false },
): string {
  const lines: string[] = [];
  if (!result.verified) {
    lines.push('NOT VERIFIED');
    if (result.format) lines.push(row('format', result.format));
    lines.push('', ...issues('errors', result.errors));
  } else if ('holder' in result) {
    lines.push('VERIFIED presentation');
    lines.push(row('format', result.format), row('holder', result.holder), row('key', result.keyId));
    if ('proof' in result) lines.push(row('proof', proofRow(result.proof)));
    if (result.nonce !== undefined) lines.push(row('nonce', result.nonce));
    if (result.audience?.length) lines.push(row('audience', result.audience.join(', ')));
    if (!context.policy) lines.push(row('trust', NO_POLICY));
    lines.push(row('credentials', String(result.credentials.length)));
    result.credentials.forEach((c, i) => {
      lines.push('', `  credential ${i + 1}`, ...credentialRows(c, context, false).map((r) => `  ${r}`));
    });
    lines.push(...issues('warnings', result.warnings, true));
  } else {
    lines.push('VERIFIED');
    lines.push(...credentialRows(result, context), ...issues('warnings', result.warnings, true));
  }
  return lines.join('\n');
}

/** `trustWithoutPolicy`: repeat the no-policy line (not under a presentation, which says it once). */
function credentialRows(
  c: VerifiedCredential | VerifiedDiCredential | VerifiedSdJwtCredential,
  context: SummaryContext,
  trustWithoutPolicy = true,
): string[] {
  const trust = context.policy ? [row('trust', recognition(c))] : trustWithoutPolicy ? [row('trust', NO_POLICY)] : [];
  if (c.format === 'dc+sd-jwt') return sdJwtRows(c, trust);
  return [
    row('format', c.format),
    row('issuer', c.issuer),
    subjectRow(c),
    row('types', typesOf(c.credential.type).join(', ')),
    row('valid', validity(c.validFrom, c.validUntil)),
    row('key', c.keyId),
    ...(c.format === 'di' ? [row('proof', proofRow(c.proof))] : []),
    ...trust,
    row('status', statusChecked(c)),
  ];
}

/** A Data Integrity proof: its type (and cryptosuite) and when it was made. */
function proofRow(proof: VerifiedDiCredential['proof']): string {
  const suite = proof.cryptosuite ? `${proof.type} ${proof.cryptosuite}` : proof.type;
  return proof.created ? `${suite}, created ${proof.created.toISOString()}` : suite;
}

/**
 * An SD-JWT VC: what the holder disclosed, each claim with its value, and how many
 * digests stayed closed (withheld claims and decoys look alike, so only a count).
 */
function sdJwtRows(c: VerifiedSdJwtCredential, trust: string[]): string[] {
  const kb = c.keyBinding;
  return [
    row('format', c.mediaType === c.format ? c.format : `${c.format} (typ ${c.mediaType})`),
    row('issuer', c.issuer),
    row('subject', c.subject ?? '(none)'),
    row('type', c.vct),
    row('valid', validity(c.validFrom, c.validUntil)),
    row('key', c.keyId),
    ...trust,
    row('status', sdJwtStatus(c)),
    row(
      'binding',
      kb ? `key binding checked (nonce ${kb.nonce}, audience ${kb.audience}, at ${kb.issuedAt.toISOString()})` : 'no key binding presented',
    ),
    row('disclosed', c.disclosed.length === 0 ? '(nothing)' : String(c.disclosed.length)),
    ...c.disclosed.map((d) => row('', `${d.path} = ${JSON.stringify(d.value)}`)),
    row('withheld', `${c.undisclosed} digest${c.undisclosed === 1 ? '' : 's'} not disclosed (withheld claims and decoys)`),
  ];
}

function sdJwtStatus(c: VerifiedSdJwtCredential): string {
  const warning = c.warnings.find((w) => w.code === 'STATUS_UNAVAILABLE');
  if (warning) return `NOT CHECKED: ${warning.message}`;
  return c.payload.status === undefined ? 'not present (the credential names no status list)' : 'checked';
}

/**
 * The subject, or every subject of a credential about several (VCDM: `credentialSubject`
 * may be an array), so that none is hidden behind the first: `subjects    did:…, urn:…`.
 */
function subjectRow(c: VerifiedCredential | VerifiedDiCredential): string {
  const subjects = (c.credential as Record<string, unknown>).credentialSubject;
  if (!Array.isArray(subjects) || subjects.length < 2) return row('subject', c.subject ?? '(none)');
  const ids = subjects.map((s) => {
    const id = typeof s === 'object' && s !== null ? (s as Record<string, unknown>).id : undefined;
    return typeof id === 'string' ? id : '(no id)';
  });
  return row('subjects', ids.join(', '));
}

function recognition(c: VerifiedCredential | VerifiedDiCredential | VerifiedSdJwtCredential): string {
  const r = c.recognition;
  if (!r) return 'accepted by the recognition policy';
  if (r.source === 'local') return 'trusted issuer of the recognition policy';
  const who = [r.name, r.country, r.assuranceLevel && `assurance ${r.assuranceLevel}`].filter(Boolean).join(', ');
  const list = r.anchor
    ? ` on the recognition list of ${r.anchor}${r.listSequence === undefined ? '' : ` (sequence ${r.listSequence})`}`
    : '';
  return `recognised${who ? ` (${who})` : ''}${list}`;
}

/**
 * Whether the issuer's status list was consulted: `checked` (and the credential is
 * neither revoked nor suspended), `not present` (the credential names no status list),
 * or `NOT CHECKED` with the reason, when the policy let it pass with a warning.
 */
export function statusChecked(c: VerifiedCredential | VerifiedDiCredential): string {
  const credential = c.credential as Record<string, unknown>;
  const entries = [credential.credentialStatus, credential.status, c.format === 'di' ? undefined : c.payload.status].filter(
    (s) => s !== undefined && s !== null && !(Array.isArray(s) && s.length === 0),
  );
  const warning = c.warnings.find((w) => w.code === 'STATUS_UNAVAILABLE');
  if (warning) return `NOT CHECKED: ${warning.message}`;
  return entries.length === 0 ? 'not present (the credential names no status list)' : 'checked';
}

function validity(from: Date | undefined, until: Date | undefined): string {
  const f = from ? `from ${from.toISOString()}` : 'from (unspecified)';
  return `${f} ${until ? `until ${until.toISOString()}` : 'with no expiry'}`;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(11)} ${escapeForTerminal(value)}`;
}

function issues(title: string, list: readonly VerificationIssue[], blankBefore = false): string[] {
  if (list.length === 0) return [];
  return [
    ...(blankBefore ? [''] : []),
    `${title}:`,
    ...list.map((e) => `  ${e.code}: ${escapeForTerminal(e.message)}${e.path ? ` (at ${escapeForTerminal(e.path)})` : ''}`),
  ];
}
