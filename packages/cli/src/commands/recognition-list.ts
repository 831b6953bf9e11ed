import { isJsonObject, type JsonObject, parseRecognitionListSubject, TradewindError } from '@tradewind/core';
import type { RecognitionListRequest } from '@tradewind/issuer';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandFamily } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { parseIsoTime } from '../iso-time.js';
import { ISSUER_DB_HELP, ISSUER_DB_OPTIONS, withIssuer } from '../issuer/open-store.js';
import { printResult } from '../output.js';
import { READ_LIMITS, readTextInput } from '../read-input.js';
import { inspectRecognitionList, renderInspection } from '../recognition-list/inspect.js';
import { escapeForTerminal } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';
import { writeOutputFile } from '../write-output.js';

const SIGN_USAGE = `Usage: tradewind recognition-list sign FILE [options]

Signs a recognition list as the trust anchor: FILE (or - for stdin) holds the list
as JSON, { "sequence": 3, "nextUpdate": "2027-01-01T00:00:00Z", "name": "…",
"entries": [ … ] }, optionally with "id", "validFrom" and "validUntil". The list is
checked against the recognition list schema first; the first problem is reported
with its JSON path. Prints the signed list (a vc+jwt) on stdout, or writes it to --out.

Options:
${ISSUER_DB_HELP}
  --issuer DID             anchor DID of the database to sign with (default: the default DID)
  --out FILE               write the signed list to FILE instead of stdout
  --valid-until ISO        end of the list's validity, RFC 3339 with a zone (overrides
                           "validUntil" in FILE)
  --json                   print signer, sequence, entry count and the JWT as JSON
  -h, --help               show this help

Exit status: 0 signed, 1 refused (e.g. WRONG_SECRET), 2 usage error or invalid list.`;

/** Keys of the list file: the list subject plus the credential's id and validity. */
const LIST_FILE_KEYS = new Set(['sequence', 'nextUpdate', 'name', 'entries', 'id', 'validFrom', 'validUntil']);

/**
 * Reads the list file into a signing request, checking it with the same rules the
 * issuer library and every verifier apply, before the secret is needed: a typo costs
 * no key derivation, and the message names the JSON path of the problem.
 */
function listRequest(text: string, file: string): RecognitionListRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`list file ${file} is not JSON: ${(e as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw invalidList('the list is a JSON object', '', file);
  for (const key of Object.keys(parsed)) {
    if (!LIST_FILE_KEYS.has(key)) throw invalidList(`unknown key "${key}" (known: ${[...LIST_FILE_KEYS].join(', ')})`, `/${key}`, file);
  }
  const { sequence, nextUpdate, name, entries, id, validFrom, validUntil } = parsed;
  try {
    parseRecognitionListSubject({ sequence, nextUpdate, entries, ...(name === undefined ? {} : { name }) } as JsonObject);
  } catch (e) {
    if (e instanceof TradewindError) throw invalidList(e.message, e.path ?? '', file);
    throw e;
  }
  const request = { sequence, nextUpdate, entries, ...(name === undefined ? {} : { name }) } as RecognitionListRequest;
  if (id !== undefined) {
    if (typeof id !== 'string' || id.length === 0) throw invalidList('id must be a non-empty string (a URI)', '/id', file);
    request.id = id;
  }
  if (validFrom !== undefined) request.validFrom = listTime(validFrom, 'validFrom', file);
  if (validUntil !== undefined) request.validUntil = listTime(validUntil, 'validUntil', file);
  return request;
}

function listTime(value: unknown, field: string, file: string): Date {
  if (typeof value !== 'string') throw invalidList(`${field} must be an ISO date or date-time with a zone`, `/${field}`, file);
  try {
    return parseIsoTime(value, field);
  } catch (e) {
    throw invalidList((e as Error).message, `/${field}`, file);
  }
}

/** An invalid list is the caller's input: INVALID_ARGUMENT (exit 2), its JSON path in the message. */
function invalidList(message: string, path: string, file: string): TradewindError {
  const where = path === '' ? `in ${file}` : `at ${path} in ${file}`;
  return new TradewindError('INVALID_ARGUMENT', `${message} (${where})`, { path: path === '' ? '/' : path });
}

const sign: Command = {
  name: 'sign',
  summary: 'Sign a recognition list with the anchor issuer database',
  usage: SIGN_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      issuer: { type: 'string' },
      out: { type: 'string' },
      'valid-until': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('recognition-list sign takes one list file (JSON), or - for stdin');
    const file = positionals[0] as string;
    const request = listRequest(await readTextInput(file, io, 'list file', READ_LIMITS.recognitionList), file);
    if (values['valid-until'] !== undefined) request.validUntil = parseIsoTime(values['valid-until'], '--valid-until');
    if (values.issuer !== undefined) request.issuer = values.issuer;
    const { validFrom, validUntil } = request;
    if (validFrom instanceof Date && validUntil instanceof Date && validFrom.getTime() > validUntil.getTime()) {
      throw invalidList('validFrom is after validUntil', '/validUntil', file);
    }
    const { jwt, signer } = await withIssuer(values, io, async (issuer) => {
      try {
        return { jwt: await issuer.signRecognitionList(request), signer: request.issuer ?? (issuer.defaultDid as string) };
      } catch (e) {
        if (e instanceof TradewindError && e.code === 'INVALID_ARGUMENT' && e.path !== undefined)
          throw invalidList(e.message, e.path, file);
        throw e;
      }
    });
    if (values.out !== undefined) {
      // Whole or not at all: a kill or a full disk leaves the previous list in place.
      await writeOutputFile(values.out, `${jwt}\n`);
    }
    const count = request.entries.length;
    const done = `Signed recognition list ${request.sequence} (${count} ${count === 1 ? 'entry' : 'entries'}) by ${escapeForTerminal(signer)}`;
    if (values.json) {
      printResult(
        io,
        true,
        { issuer: signer, sequence: request.sequence, entries: request.entries.length, ...(values.out ? { out: values.out } : {}), jwt },
        () => '',
      );
    } else if (values.out !== undefined) {
      io.stdout(`${done}, written to ${escapeForTerminal(values.out)}\n`);
    } else {
      io.stdout(`${jwt}\n`);
      io.stderr(`${done}\n`);
    }
    return EXIT.OK;
  },
};

const INSPECT_USAGE = `Usage: tradewind recognition-list inspect FILE [--anchor DID]... [--now ISO] [--json]

Verifies a signed recognition list (FILE or - for stdin, a compact vc+jwt) offline and
shows it: the signer and whether it is one of the given anchors, sequence, name,
validity, next update and freshness, and every accredited issuer.

Options:
  --anchor DID             an accepted trust anchor (repeatable); without one, the
                           signature is checked but the signer is not checked against an anchor
  --now ISO                evaluate freshness at this time, RFC 3339 with seconds and a
                           zone: 2027-01-31T12:00:00Z or 2027-01-31T08:00:00-04:00
  --json                   print the inspection as JSON
  -h, --help               show this help

Exit status: 0 valid (signature verifies, signed by one of the anchors when given,
not past nextUpdate or validUntil), 1 not valid (TRUST_LIST_INVALID, TRUST_LIST_STALE),
2 usage error.`;

const DID = /^did:[a-z0-9]+:\S+$/;

const inspect: Command = {
  name: 'inspect',
  summary: 'Verify and show a signed recognition list',
  usage: INSPECT_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      anchor: { type: 'string', multiple: true },
      now: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('recognition-list inspect takes one signed list file, or - for stdin');
    const anchors = values.anchor ?? [];
    for (const a of anchors) if (!DID.test(a)) throw new UsageError(`--anchor takes a DID, got ${JSON.stringify(a)}`);
    const now = values.now === undefined ? new Date() : parseIsoTime(values.now, '--now');
    const token = (await readTextInput(positionals[0] as string, io, 'recognition list', READ_LIMITS.recognitionList)).trim();
    const report = await inspectRecognitionList(token, anchors, now);
    printResult(io, values.json, report, () => renderInspection(report));
    return report.valid ? EXIT.OK : EXIT.NEGATIVE;
  },
};

/** `tradewind recognition-list sign|inspect`. */
const KEYS_USAGE = `Usage: tradewind recognition-list keys DID [--db FILE] [--secret-file FILE] [--json]

Prints the "keys" a recognition list entry must carry for DID, one of this issuer
database's DIDs: its public keys as JWKs with their verification methods as kid, the
signing key first, then the keys retired by tradewind did rotate. A trust anchor
copies them into the entries of a did:web issuer, so that verifiers need no network
to check its credentials; after a rotation it lists each key in an entry of its own,
the retired key's ending at its retirement (tradewind did rotate --json gives the
periods).

Options:
${ISSUER_DB_HELP}
  --json                   compact JSON (the default is indented)
  -h, --help               show this help`;

const keys: Command = {
  name: 'keys',
  summary: "Print the keys a recognition list entry needs for one of this issuer's DIDs",
  usage: KEYS_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...ISSUER_DB_OPTIONS });
    if (positionals.length !== 1 || !DID.test(positionals[0] as string)) throw new UsageError('recognition-list keys takes one DID');
    const did = positionals[0] as string;
    const found = await withIssuer(values, io, (issuer) => issuer.recognitionKeys(did));
    io.stdout(`${JSON.stringify(found, null, values.json ? undefined : 2)}\n`);
    return EXIT.OK;
  },
};

export const recognitionListCommands: CommandFamily = {
  name: 'recognition-list',
  summary: 'Sign and inspect recognition lists (trust anchors)',
  subcommands: [sign, inspect, keys],
};
