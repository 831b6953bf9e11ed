import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withFileLock } from '@tradewind/agent';
import { isJsonObject, type JsonObject, nestingDepth, TradewindError } from '@tradewind/core';
import {
  BatchDeliveryError,
  FORBIDDEN_KEYS,
  type IssueDocumentRequest,
  type IssueRequest,
  jsonTextProblem,
  MAX_DECOYS,
  MAX_DOCUMENT_BYTES,
  MAX_RECORD_BYTES,
  MAX_RECORD_DEPTH,
} from '@tradewind/issuer';
import { parseCommandArgs, parseIntegerFlag } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { forbiddenKeyIn, readCredentialDocument } from '../issuer/credential-document.js';
import {
  ISSUER_DB_HELP,
  ISSUER_DB_OPTIONS,
  parseDiscloseFlag,
  parseFormatFlag,
  parseStatusFlag,
  withIssuer,
} from '../issuer/open-store.js';
import { progressBar } from '../issuer/progress-bar.js';
import { printResult } from '../output.js';
import { READ_LIMITS, readInput } from '../read-input.js';
import { storageFailure } from '../storage-failure.js';
import { escapeForTerminal } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';
import { loadDataIntegrityFlags } from '../verify/data-integrity-flags.js';
import { writeOutputFile } from '../write-output.js';

const ISSUE_USAGE = `Usage: tradewind issue --type T (--subject FILE|- | --claim NAME=VALUE...) [options]
       tradewind issue --credential FILE|- [--format F] [--status LIST] [--record-key KEY] [options]

Issues one credential from the default issuer DID (or --issuer), records it in the
issuance log with its status list entries, and prints it (the JWT) on stdout.

--credential signs a whole credential document (a JSON object: VCDM 2.0 or 1.1) as
written: the issuer adds only issuer (its default DID) when absent, id and validFrom
(1.1: issuanceDate) when absent, and its status entries after the document's own. The
format follows the document's first @context (2.0: vc+jwt, 1.1: jwt_vc). A document
that violates the data model is refused (MALFORMED, exit 1) with every violation and
its path; --type, --subject, --claim, --subject-id, --issuer, --id, --valid-from and
--valid-until cannot be combined with it (say it in the document).

--format dc+sd-jwt issues an SD-JWT VC (IETF SD-JWT VC): the claims become top-level
claims, selectively disclosable by the type's default (every claim; nested members one
by one) or as --disclose lists them, with decoy digests; age_over_18 is derived from a
birthdate claim (YYYY-MM-DD). The holder (--subject-id, a did:key or did:jwk, or
--holder-jwk) is bound as cnf; without one the credential has no holder binding. Its
status is an entry of a Token Status List (published by tradewind status publish under
DIR/token/). It prints the SD-JWT with every disclosure (<jwt>~<disclosure>~…~).
--reemit signs an SD-JWT VC again with new salts and decoys: the same claims, holder,
status entry and iat, another SD-JWT.

--format di issues a VCDM 2.0 credential secured with a Data Integrity proof
(DataIntegrityProof, eddsa-rdfc-2022 for an Ed25519 issuer key, ecdsa-rdfc-2019 for
P-256) and prints it as JSON. Every claim and type must be defined by a context of the
credential (nothing undefined is dropped from what is signed): --context URL=FILE gives
the agency's context from a local copy and, without --credential, adds URL to the
credential's @context. Nothing is fetched: a context neither bundled (the W3C ones) nor
given is refused (MALFORMED). Its status entries are BitstringStatusListEntry in the
same lists as the JWT credentials (tradewind status publish also writes their Data
Integrity form, DIR/<n>.json).

Give --id (or --record-key) to make a retry safe: if the command died after the
credential was recorded but before it was printed, the same command with --reemit
prints it again (same id, status entries and dates). --reemit signs only what was
issued: any other content under that id is refused (ALREADY_EXISTS).

Options:
${ISSUER_DB_HELP}
  --credential FILE|-      the whole credential document as JSON (at most ${MAX_DOCUMENT_BYTES / 1024} KiB
                           without indentation)
  --type T                 credential type (repeatable)
  --subject FILE|-         the subject claims as a JSON object
  --claim NAME=VALUE       one claim (repeatable; adds to --subject)
  --subject-id URI         the subject id (usually the holder DID)
  --format F               vc+jwt (default), jwt_vc, dc+sd-jwt or di (--credential:
                           from the document's @context; di: VCDM 2.0 or 1.1)
  --context URL=FILE       di: a JSON-LD context the credential uses, from a local copy
                           (repeatable); without --credential, URL is also added to the
                           credential's @context
  --vct VCT                dc+sd-jwt: the credential type (default: the --type)
  --disclose LIST          dc+sd-jwt: the selectively disclosable claims, comma-separated:
                           names (given_name), dotted paths (address.locality) or JSON
                           pointers (/nationalities/0); the others are plain
  --holder-jwk FILE        dc+sd-jwt: the holder's public JWK (bound as cnf.jwk; wins
                           over --subject-id)
  --holder-binding jwk|kid dc+sd-jwt: bind the --subject-id DID's key as cnf.jwk (default)
                           or its verification method as cnf.kid
  --decoys N               dc+sd-jwt: decoy digests in each _sd (default 2-4 at the top
                           level, 1-2 in nested objects)
  --issuer DID             issuer DID of the database (default: the default DID)
  --id URI                 credential id (default urn:uuid:…)
  --record-key KEY         idempotency key: a second issue with it is ALREADY_EXISTS
  --reemit                 print again a credential issued before with this same
                           request (needs --id, --record-key or the document's id); logged
  --valid-from ISO         default now
  --valid-until ISO        no expiry by default
  --status LIST            revocation, suspension, revocation,suspension or none (default revocation)
  --out FILE               write the JWT (di: the JSON credential) to FILE (whole or not
                           at all) instead of stdout
  --json                   print id, status entries and the JWT (di: the credential) as JSON
  -h, --help               show this help

Exit status: 0 issued; 1 refused (MALFORMED document, ALREADY_EXISTS, WRONG_SECRET,
NOT_FOUND); 2 usage error (bad flags, an unreadable, non-JSON or oversized file,
INVALID_ARGUMENT) or STORAGE_ERROR.`;

/** `tradewind issue`: one credential. */
export const issueCommand: Command = {
  name: 'issue',
  summary: 'Issue one credential',
  usage: ISSUE_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      type: { type: 'string', multiple: true },
      subject: { type: 'string' },
      claim: { type: 'string', multiple: true },
      'subject-id': { type: 'string' },
      format: { type: 'string' },
      issuer: { type: 'string' },
      id: { type: 'string' },
      'valid-from': { type: 'string' },
      'valid-until': { type: 'string' },
      status: { type: 'string' },
      'record-key': { type: 'string' },
      reemit: { type: 'boolean' },
      credential: { type: 'string' },
      out: { type: 'string' },
      vct: { type: 'string' },
      disclose: { type: 'string' },
      'holder-jwk': { type: 'string' },
      'holder-binding': { type: 'string' },
      decoys: { type: 'string' },
      context: { type: 'string', multiple: true },
    });
    if (positionals.length > 0) throw new UsageError(`issue takes no positional arguments, got ${positionals.join(' ')}`);
    const format = parseIssueFormat(values.format);
    const sdJwtFlags = (['vct', 'disclose', 'holder-jwk', 'holder-binding', 'decoys'] as const).filter((f) => values[f] !== undefined);
    if (sdJwtFlags.length > 0 && format !== 'dc+sd-jwt')
      throw new UsageError(
        `${sdJwtFlags.map((f) => `--${f}`).join(', ')} ${sdJwtFlags.length > 1 ? 'go' : 'goes'} with --format dc+sd-jwt`,
      );
    const status = parseStatusFlag(values.status);
    let request: IssueRequest | IssueDocumentRequest;
    if (values.credential !== undefined) {
      refuseWithDocument(values);
      if (format === 'dc+sd-jwt')
        throw new UsageError('--format dc+sd-jwt issues from --type and claims (--subject, --claim), not from a --credential document');
      const credential = await readCredentialDocument(values.credential, io);
      // A re-emission finds the credential by the document's own id or by --record-key.
      if (values.reemit && values['record-key'] === undefined && typeof credential.id !== 'string')
        throw new UsageError('--reemit needs the id the credential was issued with in the document, or its --record-key');
      request = { credential };
    } else {
      request = await requestFromFlags(values, io);
      if (values.reemit && values.id === undefined && values['record-key'] === undefined)
        throw new UsageError('--reemit needs the --id or --record-key the credential was issued with');
    }
    if (format) request.format = format;
    if (format === 'dc+sd-jwt') await addSdJwtFlags(request as IssueRequest, values, io);
    if (status) request.status = status;
    if (values['record-key'] !== undefined) request.recordKey = values['record-key'];
    if (values.context !== undefined && format !== 'di') throw new UsageError('--context goes with --format di');
    const contexts = (await loadDataIntegrityFlags({ context: values.context }, io))?.contexts as Record<string, JsonObject> | undefined;
    if (contexts !== undefined && !('credential' in request)) request.context = [...(request.context ?? []), ...Object.keys(contexts)];
    // A target that cannot be written is found before anything is committed.
    if (values.out !== undefined) await checkOutputTarget(values.out);
    const reemit = values.reemit === true;
    const issued = await withIssuer(values, io, (issuer) => (reemit ? issuer.reemit(request) : issuer.issue(request)), {
      ...(contexts === undefined ? {} : { extra: { dataIntegrity: { contexts } } }),
    }).catch((error: unknown) => {
      throw values.credential === undefined ? error : refusalOfDocument(error, values.credential);
    });
    try {
      const done = `${reemit ? 'Re-emitted' : 'Issued'} ${escapeForTerminal(issued.id)} (${issued.format}) by ${escapeForTerminal(issued.issuer)}`;
      if (values.out !== undefined) await writeOutputFile(values.out, `${issued.jwt}\n`);
      if (values.json) {
        printResult(
          io,
          true,
          {
            id: issued.id,
            format: issued.format,
            issuer: issued.issuer,
            issuedAt: issued.issuedAt,
            status: issued.status,
            ...(issued.statusList ? { statusList: issued.statusList } : {}),
            ...(issued.disclosable ? { disclosable: issued.disclosable } : {}),
            reemitted: reemit,
            ...(values.out !== undefined ? { out: values.out } : {}),
            ...(issued.format === 'di' ? { credential: issued.credential } : { jwt: issued.jwt }),
          },
          () => '',
        );
      } else if (values.out !== undefined) {
        io.stdout(`${done}, written to ${escapeForTerminal(values.out)}\n`);
      } else {
        io.stdout(`${issued.jwt}\n`);
        io.stderr(`${done}\n`);
      }
    } catch (error) {
      // Committed but not delivered (a full disk or a file size limit under `> cred.jwt`,
      // or on --out): say so, and give the command that prints it again.
      // --out checked beforehand can still fail (its folder removed meanwhile): the same advice.
      const storage = storageFailure(error) !== undefined;
      if (!storage && !(values.out !== undefined && error instanceof UsageError)) throw error;
      const named =
        values['record-key'] !== undefined ||
        values.id !== undefined ||
        ('credential' in request && typeof request.credential.id === 'string');
      throw new TradewindError(
        storage ? 'STORAGE_ERROR' : (error as UsageError).code,
        `${issued.id} was committed to the issuer database, but writing it out failed: ${(error as Error).message}. Nothing is lost: once the problem is fixed, ${reemitHint(argv, values, issued.id, named)}`,
        { cause: error },
      );
    }
    return EXIT.OK;
  },
};

/** `--format`: the JOSE formats, dc+sd-jwt, or di (a Data Integrity proof). */
function parseIssueFormat(value: string | undefined): 'vc+jwt' | 'jwt_vc' | 'dc+sd-jwt' | 'di' | undefined {
  if (value === 'di') return value;
  try {
    return parseFormatFlag(value, true);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--format takes vc+jwt, jwt_vc, dc+sd-jwt or di, got ${JSON.stringify(value)}`);
    throw error;
  }
}

/**
 * How to print again a credential that was committed but not delivered: the same command
 * with --reemit, which finds it by --id, --record-key or the document's id (`named`);
 * else with the generated id: as --id, or, for a document (which says what is issued
 * and takes no --id), added to the document.
 */
function reemitHint(argv: string[], values: { credential?: string | undefined }, id: string, named: boolean): string {
  const again = ['tradewind', 'issue', ...argv.filter((a) => a !== '--reemit')];
  const stdin = values.credential === '-' ? ' (with the same document on stdin)' : '';
  if (named) return `re-emit it with: ${[...again, '--reemit'].map(shellWord).join(' ')}${stdin}`;
  if (values.credential === undefined) return `re-emit it with: ${[...again, '--id', id, '--reemit'].map(shellWord).join(' ')}`;
  return `add "id": ${JSON.stringify(id)} to the document and re-emit it with: ${[...again, '--reemit'].map(shellWord).join(' ')}${stdin}`;
}

/**
 * A refusal of a --credential document, told in terms of the file: the issuer names
 * each violation by its place in the request (`/credential/validFrom`); the user wrote
 * the document, so paths are given into it (`/validFrom`). The message keeps the
 * issuer's headline, names the file and counts the violations; each is listed by
 * `reportError`, one line each (or as `issues` under --json).
 */
function refusalOfDocument(error: unknown, file: string): unknown {
  if (!(error instanceof TradewindError)) return error;
  const where = file === '-' ? 'stdin' : file;
  if ((!error.issues || error.issues.length === 0) && error.path !== undefined && /^\/credential(\/|$)/.test(error.path)) {
    // A refusal of one member (a status entry into the issuer's own lists, a lone
    // surrogate, a proof): reported like the data-model violations, with its path.
    const path = error.path.replace(/^\/credential/, '') || '/';
    return new TradewindError(error.code, `the credential is refused (${where}): 1 problem`, {
      cause: error,
      path,
      issues: [{ code: error.code, path, message: error.message }],
    });
  }
  if (!error.issues || error.issues.length === 0) return error;
  const issues = error.issues.map((issue) =>
    issue.path === undefined ? issue : { ...issue, path: issue.path.replace(/^\/credential(?=\/|$)/, '') || '/' },
  );
  const first = error.issues[0]?.path;
  const cut = first === undefined ? -1 : error.message.indexOf(`: ${first}`);
  const headline = cut > 0 ? error.message.slice(0, cut) : error.message;
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new TradewindError(error.code, `${headline} (${where}): ${count}`, { cause: error, issues });
}

/** A --out target that is a folder, or lies in a folder that does not exist, is a usage error. */
async function checkOutputTarget(out: string): Promise<void> {
  const target = await stat(out).catch(() => undefined);
  if (target?.isDirectory()) throw new UsageError(`cannot write ${out}: it is a folder`);
  const folder = await stat(dirname(out)).catch(() => undefined);
  if (!folder) throw new UsageError(`cannot write ${out}: its folder does not exist`);
  if (!folder.isDirectory()) throw new UsageError(`cannot write ${out}: a part of its path is not a folder`);
}

/** `--vct`, `--disclose`, `--holder-jwk`, `--holder-binding` and `--decoys` onto an SD-JWT VC request. */
async function addSdJwtFlags(
  request: IssueRequest,
  values: {
    vct?: string | undefined;
    disclose?: string | undefined;
    'holder-jwk'?: string | undefined;
    'holder-binding'?: string | undefined;
    decoys?: string | undefined;
  },
  io: Io,
): Promise<void> {
  if (values.vct !== undefined) request.vct = values.vct;
  const disclose = parseDiscloseFlag(values.disclose);
  if (disclose !== undefined) request.disclose = disclose;
  const binding = values['holder-binding'];
  if (binding !== undefined && binding !== 'jwk' && binding !== 'kid')
    throw new UsageError(`--holder-binding takes jwk or kid, got ${JSON.stringify(binding)}`);
  if (binding !== undefined) request.holderBinding = binding;
  const decoys = parseIntegerFlag(values.decoys, '--decoys', 0, MAX_DECOYS);
  if (decoys !== undefined) request.decoys = decoys;
  const file = values['holder-jwk'];
  if (file !== undefined) {
    const bytes = await readInput(file, io, { what: 'holder JWK file', maxBytes: READ_LIMITS.other });
    let jwk: unknown;
    try {
      jwk = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      throw new UsageError(`holder JWK file ${file} is not JSON: ${(e as Error).message}`);
    }
    if (!isJsonObject(jwk)) throw new UsageError(`holder JWK file ${file} must hold a JWK (a JSON object)`);
    const forbidden = forbiddenKeyIn(jwk, '');
    if (forbidden) throw new UsageError(`holder JWK file ${file}: the name at ${forbidden} is not allowed`);
    request.holderKey = jwk;
  }
}

/** The flags of `tradewind issue` that say what to issue. */
interface WhatToIssue {
  type?: string[];
  subject?: string;
  claim?: string[];
  'subject-id'?: string;
  issuer?: string;
  id?: string;
  'valid-from'?: string;
  'valid-until'?: string;
}

// With --credential the document says everything these flags would: two sources for one
// member would leave the reader guessing which one was signed.
const DOCUMENT_CONFLICTS: Array<[keyof WhatToIssue, string]> = [
  ['type', 'its "type"'],
  ['subject', 'its "credentialSubject"'],
  ['claim', 'its "credentialSubject"'],
  ['subject-id', 'its "credentialSubject"'],
  ['issuer', 'its "issuer"'],
  ['id', 'its "id"'],
  ['valid-from', 'its "validFrom" (VCDM 1.1: "issuanceDate")'],
  ['valid-until', 'its "validUntil" (VCDM 1.1: "expirationDate")'],
];

function refuseWithDocument(values: WhatToIssue): void {
  const given = DOCUMENT_CONFLICTS.filter(([flag]) => values[flag] !== undefined);
  if (given.length === 0) return;
  const flags = given.map(([flag]) => `--${flag}`).join(', ');
  if (given.some(([flag]) => flag === 'type' || flag === 'subject' || flag === 'claim'))
    throw new UsageError(`--credential and ${flags} are two ways to say what to issue: give the whole document, or --type with claims`);
  const [, member] = given[0] as [keyof WhatToIssue, string];
  throw new UsageError(`--credential issues the document as written: instead of ${flags}, give ${member} in the document`);
}

/** The convenience form: `--type` and claims from `--subject` / `--claim`. */
async function requestFromFlags(values: WhatToIssue, io: Io): Promise<IssueRequest> {
  if (!values.type || values.type.length === 0) throw new UsageError('issue needs --type (or a whole document: --credential FILE)');
  // Claims go on a null-prototype object: `--claim __proto__=…` must not reach a prototype.
  let subject: JsonObject = Object.create(null) as JsonObject;
  if (values.subject !== undefined) {
    // Claims are signed as they are read: bytes that are not UTF-8 are refused, never
    // replaced with U+FFFD.
    const bytes = await readInput(values.subject, io, { what: 'subject file', maxBytes: READ_LIMITS.other });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new UsageError(`subject file ${values.subject} is not valid UTF-8`);
    }
    // Deeper than a claim may nest is refused before it is parsed and walked: a file of
    // nested brackets would otherwise overflow the stack (UNEXPECTED).
    if (nestingDepth(text) > MAX_RECORD_DEPTH + 1)
      throw new UsageError(`subject file ${values.subject} nests deeper than ${MAX_RECORD_DEPTH} levels`, { code: 'LIMIT_EXCEEDED' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`subject file ${values.subject} is not JSON: ${(e as Error).message}`);
    }
    if (!isJsonObject(parsed)) throw new UsageError(`subject file ${values.subject} must hold a JSON object of claims`);
    // A repeated name or an integer JSON cannot hold: the claims signed would not be the ones read.
    const problem = jsonTextProblem(text);
    if (problem !== undefined) throw new UsageError(`subject file ${values.subject} at ${problem.path}: ${problem.reason}`);
    const forbidden = forbiddenKeyIn(parsed, '');
    if (forbidden) throw new UsageError(`subject file ${values.subject}: the name at ${forbidden} is not allowed`);
    subject = Object.assign(subject, parsed);
  }
  const claimed = new Set<string>();
  for (const claim of values.claim ?? []) {
    const eq = claim.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim takes NAME=VALUE, got ${JSON.stringify(claim)}`);
    const name = claim.slice(0, eq);
    if (FORBIDDEN_KEYS.has(name)) throw new UsageError(`--claim: the name ${JSON.stringify(name)} is not allowed`);
    if (claimed.has(name)) throw new UsageError(`--claim ${JSON.stringify(name)} is given twice: which value is the claim?`);
    claimed.add(name);
    subject[name] = claim.slice(eq + 1);
  }
  if (values['subject-id'] !== undefined) subject.id = values['subject-id'];
  if (Object.keys(subject).length === 0) throw new UsageError('issue needs claims: --subject FILE or --claim NAME=VALUE');
  const request: IssueRequest = { type: values.type, credentialSubject: subject };
  if (values.issuer !== undefined) request.issuer = values.issuer;
  if (values.id !== undefined) request.id = values.id;
  if (values['valid-from'] !== undefined) request.validFrom = values['valid-from'];
  if (values['valid-until'] !== undefined) request.validUntil = values['valid-until'];
  return request;
}

const BATCH_USAGE = `Usage: tradewind issue-batch FILE --type T [options]

Issues one credential per record of a registry extract (FILE.jsonl: one JSON object
per line; FILE.csv: header row, one record per row). The file is read as a stream;
a record is at most ${MAX_RECORD_BYTES} bytes of UTF-8. Every record is validated first;
bad records are listed by line and the rest issued in transactions. Running the same
command again after an interruption issues only what is missing and completes --out:
a torn last line is cut off, and every credential already committed for this file
that --out lacks is re-emitted into it.

Reserved fields: recordKey (idempotency key), id, subjectId, validFrom, validUntil;
every other field is a claim of the subject. The names __proto__, constructor and
prototype are refused anywhere in a record.

Options:
${ISSUER_DB_HELP}
  --type T                 credential type (repeatable)
  --format F               vc+jwt (default), jwt_vc, dc+sd-jwt (an SD-JWT VC per record,
                           bound to its subjectId DID, disclosable claims by the type's
                           default) or di (a Data Integrity proof; the line's jwt member
                           holds the credential's JSON text)
  --issuer DID             issuer DID of the database (default: the default DID)
  --valid-until ISO        validity end for records without their own
  --status LIST            revocation, suspension, revocation,suspension or none (default revocation)
  --require CLAIM          a claim every record must have (repeatable, dot paths)
  --out FILE               append issued credentials as JSONL, one whole line each
                           (default FILE.issued.jsonl)
  --transaction-size N     records per transaction (default 500)
  --reemit                 also re-emit credentials an earlier run committed for this
                           file (only if their content is unchanged; logged)
  --dry-run                only validate
  --json                   print the summary as JSON
  -h, --help               show this help

Exit status: 0 all records issued (or already issued), 1 some records invalid
(listed), 2 usage error or STORAGE_ERROR (disk full, read-only database, …; when
the credentials were committed but --out could not be written, the message says so
and gives the command that re-emits them).`;

/** `tradewind issue-batch FILE`. */
export const issueBatchCommand: Command = {
  name: 'issue-batch',
  summary: 'Issue credentials from a JSONL or CSV registry extract',
  usage: BATCH_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      type: { type: 'string', multiple: true },
      format: { type: 'string' },
      issuer: { type: 'string' },
      'valid-until': { type: 'string' },
      status: { type: 'string' },
      require: { type: 'string', multiple: true },
      out: { type: 'string' },
      'transaction-size': { type: 'string' },
      reemit: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('issue-batch takes one input file');
    const input = positionals[0] as string;
    if (!/\.(csv|jsonl|ndjson)$/i.test(input)) throw new UsageError(`cannot tell the format of ${input}: name it .csv or .jsonl`);
    if (!values.type || values.type.length === 0) throw new UsageError('issue-batch needs --type');
    const size = parseIntegerFlag(values['transaction-size'], '--transaction-size', 1, 10_000);
    // A missing input file is a usage error (exit 2) like every file the CLI reads, found
    // before the database is opened.
    if (!existsSync(input)) throw new UsageError(`cannot read batch input ${input}: no such file`, { code: 'NOT_FOUND' });
    const out = values.out ?? `${input}.issued.jsonl`;
    const format = parseIssueFormat(values.format);
    const status = parseStatusFlag(values.status);
    // Under --json stderr carries nothing but the one JSON error line a failure prints.
    const bar = values.json ? { update() {}, done() {} } : progressBar(io);
    const batch = () =>
      withIssuer(values, io, async (issuer) => {
        try {
          return await issuer.issueBatch(
            { path: input },
            {
              type: values.type as string[],
              onProgress: (p) => bar.update(p),
              ...(values['dry-run'] ? { dryRun: true } : { outputPath: out }),
              ...(format ? { format } : {}),
              ...(status ? { status } : {}),
              ...(values.issuer ? { issuer: values.issuer } : {}),
              ...(values['valid-until'] ? { validUntil: values['valid-until'] } : {}),
              ...(values.require ? { requiredClaims: values.require } : {}),
              ...(size ? { transactionSize: size } : {}),
              ...(values.reemit ? { reemit: true } : {}),
            },
          );
        } catch (error) {
          if (error instanceof BatchDeliveryError) {
            const command = ['tradewind', 'issue-batch', ...argv].map(shellWord).join(' ');
            throw new TradewindError('STORAGE_ERROR', `${error.message} Re-emit them with: ${command}`, { cause: error });
          }
          throw error;
        } finally {
          bar.done();
        }
      });
    const result = values['dry-run'] ? await batch() : await lockOutput(out, batch);
    const summary = { ...result, output: values['dry-run'] ? undefined : out };
    printResult(io, values.json, summary, () =>
      [
        values['dry-run']
          ? `Checked ${result.total + result.invalidCount} records: ${result.total} valid, ${result.invalidCount} invalid (dry run, nothing issued).`
          : `Issued ${result.issued}, already issued ${result.skipped}${result.reemitted > 0 ? ` (re-emitted ${result.reemitted})` : ''}, invalid ${result.invalidCount} (batch ${result.batchId}).`,
        ...(result.issued > 0 || result.reemitted > 0 ? [`Credentials appended to ${out}`] : []),
        // The path of the member at fault, unless the reason names it already.
        ...result.invalid.map(
          (i) => `  line ${i.line}: ${i.code}: ${i.path !== undefined && !i.reason.includes(i.path) ? `${i.path}: ` : ''}${i.reason}`,
        ),
        ...(result.invalidCount > result.invalid.length ? [`  … and ${result.invalidCount - result.invalid.length} more`] : []),
      ].join('\n'),
    );
    return result.invalidCount > 0 ? EXIT.NEGATIVE : EXIT.OK;
  },
};

/**
 * Runs `fn` holding an exclusive lock on the output file (an OS lock on the sidecar
 * `.FILE.lock`, released when the process dies): two runs of the same batch into the
 * same --out at once would each re-emit what the other appended, writing credentials
 * twice. The second run stops at once with STORAGE_ERROR instead.
 */
async function lockOutput<T>(out: string, fn: () => Promise<T>): Promise<T> {
  let entered = false;
  try {
    return await withFileLock(join(dirname(out), `.${basename(out)}.lock`), 0, () => {
      entered = true;
      return fn();
    });
  } catch (error) {
    // Only the lock's own timeout is reported as such (its SQLITE_BUSY is not the database's).
    if (entered) throw error;
    throw new TradewindError(
      'STORAGE_ERROR',
      `${out} is being written by another tradewind issue-batch; run this again once that one has finished`,
    );
  }
}

// A word as a POSIX shell reads it back: bare when safe, else single-quoted.
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
