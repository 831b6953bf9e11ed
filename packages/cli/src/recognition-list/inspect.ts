import {
  isJsonObject,
  issuerId,
  type JsonObject,
  parseCompactJws,
  parseRecognitionList,
  type RecognitionListSubject,
  type VerificationIssue,
} from '@tradewind/core';
import { createVerifier } from '@tradewind/verifier';
import { escapeForTerminal } from '../terminal-text.js';

/** One accredited issuer of an inspected list, as `inspect` shows it. */
export interface InspectedEntry {
  id: string;
  country: string;
  name: string;
  assuranceLevel: string;
  credentialTypes: string[];
  validFrom?: string;
  validUntil?: string;
  /** The accreditation (this key period) ended before the inspection time. */
  retired: boolean;
  /** Keys the list carries for the issuer (did:web). */
  keys: number;
}

/** What `tradewind recognition-list inspect` reports (its `--json` output). */
export interface ListInspection {
  /** Signature verifies, signed by one of the anchors when any were given, and not stale. */
  valid: boolean;
  /** The issuer the list names (verified only when `signatureValid`). */
  signer: string | null;
  signatureValid: boolean;
  /** The `--anchor` DIDs given. */
  anchors: string[];
  /** Whether the signer is one of `anchors`; null when none were given (not checked). */
  signerIsAnchor: boolean | null;
  /** The time freshness and retirement were evaluated at. */
  now: string;
  /** The list's content: only when its signature verifies. */
  id?: string;
  name?: string;
  sequence?: number;
  validFrom?: string;
  validUntil?: string;
  nextUpdate?: string;
  /** Not past nextUpdate nor validUntil at `now`. */
  fresh?: boolean;
  entries?: InspectedEntry[];
  errors: VerificationIssue[];
}

/**
 * Verifies a signed recognition list with the verifier's own list loading (signature,
 * RecognitionList shape) using its signer as the only anchor, so a bad signature is
 * told apart from a signer that is not one of the given anchors; then evaluates
 * freshness at `now` as a verifier without grace would.
 */
export async function inspectRecognitionList(token: string, anchors: string[], now: Date): Promise<ListInspection> {
  const report: ListInspection = {
    valid: false,
    signer: null,
    signatureValid: false,
    anchors,
    signerIsAnchor: null,
    now: now.toISOString(),
    errors: [],
  };
  const invalid = (message: string, path?: string) => {
    report.errors.push({ code: 'TRUST_LIST_INVALID', message, ...(path ? { path } : {}) });
    return report;
  };

  let credential: JsonObject;
  try {
    const { payload } = parseCompactJws(token);
    credential = isJsonObject(payload.vc) ? payload.vc : payload;
    report.signer = issuerId(credential.issuer) ?? (typeof payload.iss === 'string' ? payload.iss : null);
  } catch (e) {
    return invalid(`not a signed recognition list (a compact vc+jwt): ${(e as Error).message}`);
  }
  if (report.signer === null) return invalid('the list names no issuer', '/payload/issuer');
  if (anchors.length > 0) report.signerIsAnchor = anchors.includes(report.signer);

  const verifier = createVerifier({ policy: { anchors: [report.signer] }, recognitionLists: [token], now });
  const status = await verifier.recognitionStatus();
  const problems = status?.problems ?? [];
  if (problems.length > 0 || status?.lists.length !== 1) {
    for (const p of problems) invalid(p.message, p.path?.replace(/^\/recognitionLists\/0/, '') || undefined);
    if (problems.length === 0) invalid('the list did not verify');
    return report;
  }
  report.signatureValid = true;
  if (report.signerIsAnchor === false) {
    invalid(`recognition list is signed by ${report.signer}, which is not one of the given anchors (--anchor)`);
  }

  const subject: RecognitionListSubject = parseRecognitionList(credential);
  const validFrom = timeField(credential.validFrom);
  const validUntil = timeField(credential.validUntil);
  Object.assign(report, {
    ...(typeof credential.id === 'string' ? { id: credential.id } : {}),
    ...(subject.name === undefined ? {} : { name: subject.name }),
    sequence: subject.sequence,
    ...(validFrom === undefined ? {} : { validFrom }),
    ...(validUntil === undefined ? {} : { validUntil }),
    nextUpdate: subject.nextUpdate,
  });
  const at = now.getTime();
  const due = at > Date.parse(subject.nextUpdate);
  const expired = validUntil !== undefined && at > Date.parse(validUntil);
  report.fresh = !due && !expired;
  if (due) {
    report.errors.push({
      code: 'TRUST_LIST_STALE',
      message: `recognition list ${subject.sequence} was due for update at ${subject.nextUpdate}`,
      path: '/credentialSubject/nextUpdate',
    });
  }
  if (expired) {
    report.errors.push({
      code: 'TRUST_LIST_STALE',
      message: `recognition list ${subject.sequence} expired at ${validUntil}`,
      path: '/validUntil',
    });
  }
  report.entries = subject.entries.map((e) => ({
    id: e.id,
    country: e.country,
    name: e.name,
    assuranceLevel: e.assuranceLevel,
    credentialTypes: e.credentialTypes,
    ...(e.validFrom === undefined ? {} : { validFrom: e.validFrom }),
    ...(e.validUntil === undefined ? {} : { validUntil: e.validUntil }),
    retired: e.validUntil !== undefined && at > Date.parse(e.validUntil),
    keys: e.keys?.length ?? 0,
  }));
  report.valid = report.errors.length === 0;
  return report;
}

function timeField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The human form: verdict, list facts, the table of issuers, then each error as `CODE: message`; values escaped for the terminal. */
export function renderInspection(r: ListInspection): string {
  const lines = [r.valid ? 'VALID recognition list' : 'NOT VALID recognition list'];
  const anchorNote =
    r.signerIsAnchor === null
      ? 'not checked against an anchor (pass --anchor DID)'
      : r.signerIsAnchor
        ? 'one of the given anchors'
        : 'NOT one of the given anchors';
  lines.push(row('signer', r.signer ?? '(none)'), row('anchor', anchorNote), row('signature', r.signatureValid ? 'valid' : 'INVALID'));
  if (r.signatureValid && r.sequence !== undefined) {
    if (r.id !== undefined) lines.push(row('id', r.id));
    lines.push(row('name', r.name ?? '(none)'), row('sequence', String(r.sequence)));
    lines.push(row('valid', `from ${r.validFrom ?? '(unspecified)'} ${r.validUntil ? `until ${r.validUntil}` : 'with no expiry'}`));
    const due = Date.parse(r.now) > Date.parse(r.nextUpdate as string);
    const freshness = r.fresh ? `fresh at ${r.now}` : due ? `due since ${r.nextUpdate}: STALE` : `list expired at ${r.validUntil}: STALE`;
    lines.push(row('next update', `${r.nextUpdate} (${freshness})`));
    lines.push('', ...entryTable(r.entries ?? []));
  }
  if (r.errors.length > 0) {
    lines.push(
      '',
      'errors:',
      ...r.errors.map((e) => `  ${e.code}: ${escapeForTerminal(e.message)}${e.path ? ` (at ${escapeForTerminal(e.path)})` : ''}`),
    );
  }
  return lines.join('\n');
}

function entryTable(entries: readonly InspectedEntry[]): string[] {
  if (entries.length === 0) return ['No entries: the list recognises no issuer.'];
  const header = ['COUNTRY', 'ASSURANCE', 'NAME', 'DID', 'CREDENTIAL TYPES', 'WINDOW', 'KEYS'];
  const rows = entries.map((e) =>
    [
      e.country,
      e.assuranceLevel,
      e.name,
      shortDid(e.id),
      e.credentialTypes.join(', '),
      `${shortTime(e.validFrom) ?? '…'} – ${shortTime(e.validUntil) ?? '…'}${e.retired ? ' retired' : ''}`,
      String(e.keys),
    ].map(escapeForTerminal),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd()}`;
  return [line(header), ...rows.map(line)];
}

/** did:key and did:jwk identifiers run to hundreds of characters; the table keeps both ends. */
function shortDid(did: string): string {
  return did.length <= 40 ? did : `${did.slice(0, 28)}…${did.slice(-8)}`;
}

/** Midnight UTC reads as the date alone. */
function shortTime(value: string | undefined): string | undefined {
  return value?.replace(/T00:00:00(\.0+)?Z$/, '');
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(11)} ${escapeForTerminal(value)}`;
}
