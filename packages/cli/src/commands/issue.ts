import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { withFileLock } from '@tradewind/agent';
import { isJsonObject, type JsonObject, nestingDepth, TradewindError } from '@tradewind/core';
import { BatchDeliveryError, FORBIDDEN_KEYS, type IssueRequest, MAX_RECORD_BYTES, MAX_RECORD_DEPTH } from '@tradewind/issuer';
import { parseCommandArgs, parseIntegerFlag } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ISSUER_DB_HELP, ISSUER_DB_OPTIONS, parseFormatFlag, parseStatusFlag, withIssuer } from '../issuer/open-store.js';
import { progressBar } from '../issuer/progress-bar.js';
import { printResult } from '../output.js';
import { READ_LIMITS, readInput } from '../read-input.js';
import { storageFailure } from '../storage-failure.js';
import { escapeForTerminal } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';

const ISSUE_USAGE = `Usage: tradewind issue --type T (--subject FILE|- | --claim NAME=VALUE...) [options]

Issues one credential from the default issuer DID (or --issuer), records it in the
issuance log with its status list entries, and prints it (the JWT) on stdout.

Give --id (or --record-key) to make a retry safe: if the command died after the
credential was recorded but before it was printed, the same command with --reemit
prints it again (same id, status entries and dates). --reemit signs only what was
issued: any other content under that id is refused (ALREADY_EXISTS).

Options:
${ISSUER_DB_HELP}
  --type T                 credential type (repeatable)
  --subject FILE|-         the subject claims as a JSON object
  --claim NAME=VALUE       one claim (repeatable; adds to --subject)
  --subject-id URI         the subject id (usually the holder DID)
  --format vc+jwt|jwt_vc   default vc+jwt
  --issuer DID             issuer DID of the database (default: the default DID)
  --id URI                 credential id (default urn:uuid:…)
  --record-key KEY         idempotency key: a second issue with it is ALREADY_EXISTS
  --reemit                 print again a credential issued before with this same
                           request (needs --id or --record-key); logged
  --valid-from ISO         default now
  --valid-until ISO        no expiry by default
  --status LIST            revocation, suspension, revocation,suspension or none (default revocation)
  --json                   print id, status entries and the JWT as JSON
  -h, --help               show this help`;

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
    });
    if (positionals.length > 0) throw new UsageError(`issue takes no positional arguments, got ${positionals.join(' ')}`);
    if (!values.type || values.type.length === 0) throw new UsageError('issue needs --type');
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
      const forbidden = forbiddenKeyIn(parsed, '');
      if (forbidden) throw new UsageError(`subject file ${values.subject}: the name at ${forbidden} is not allowed`);
      subject = Object.assign(subject, parsed);
    }
    for (const claim of values.claim ?? []) {
      const eq = claim.indexOf('=');
      if (eq <= 0) throw new UsageError(`--claim takes NAME=VALUE, got ${JSON.stringify(claim)}`);
      const name = claim.slice(0, eq);
      if (FORBIDDEN_KEYS.has(name)) throw new UsageError(`--claim: the name ${JSON.stringify(name)} is not allowed`);
      subject[name] = claim.slice(eq + 1);
    }
    if (values['subject-id'] !== undefined) subject.id = values['subject-id'];
    if (Object.keys(subject).length === 0) throw new UsageError('issue needs claims: --subject FILE or --claim NAME=VALUE');
    const request: IssueRequest = { type: values.type, credentialSubject: subject };
    const format = parseFormatFlag(values.format);
    const status = parseStatusFlag(values.status);
    if (format) request.format = format;
    if (status) request.status = status;
    if (values.issuer !== undefined) request.issuer = values.issuer;
    if (values.id !== undefined) request.id = values.id;
    if (values['record-key'] !== undefined) request.recordKey = values['record-key'];
    if (values.reemit && values.id === undefined && values['record-key'] === undefined)
      throw new UsageError('--reemit needs the --id or --record-key the credential was issued with');
    if (values['valid-from'] !== undefined) request.validFrom = values['valid-from'];
    if (values['valid-until'] !== undefined) request.validUntil = values['valid-until'];
    const reemit = values.reemit === true;
    const issued = await withIssuer(values, io, (issuer) => (reemit ? issuer.reemit(request) : issuer.issue(request)));
    try {
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
            reemitted: reemit,
            jwt: issued.jwt,
          },
          () => '',
        );
      } else {
        io.stdout(`${issued.jwt}\n`);
        io.stderr(
          `${reemit ? 'Re-emitted' : 'Issued'} ${escapeForTerminal(issued.id)} (${issued.format}) by ${escapeForTerminal(issued.issuer)}\n`,
        );
      }
    } catch (error) {
      // Committed but not delivered (a full disk or a file size limit under `> cred.jwt`):
      // say so, and give the command that prints it again.
      if (!storageFailure(error)) throw error;
      const again = [
        'tradewind',
        'issue',
        ...argv.filter((a) => a !== '--reemit'),
        ...(values.id === undefined && values['record-key'] === undefined ? ['--id', issued.id] : []),
        '--reemit',
      ];
      throw new TradewindError(
        'STORAGE_ERROR',
        `${issued.id} was committed to the issuer database, but writing it out failed: ${(error as Error).message}. Nothing is lost: once the problem is fixed, re-emit it with: ${again.map(shellWord).join(' ')}`,
        { cause: error },
      );
    }
    return EXIT.OK;
  },
};

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
  --format vc+jwt|jwt_vc   default vc+jwt
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
    const format = parseFormatFlag(values.format);
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
        ...result.invalid.map((i) => `  line ${i.line}: ${i.code}: ${i.reason}`),
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

// The path of the first forbidden member name in a parsed JSON value, if any.
function forbiddenKeyIn(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenKeyIn(value[i], `${path}/${i}`);
      if (found) return found;
    }
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `${path}/${key}`;
      const found = forbiddenKeyIn(value[key], `${path}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

// A word as a POSIX shell reads it back: bare when safe, else single-quoted.
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
