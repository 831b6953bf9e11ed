import { existsSync } from 'node:fs';
import type { VerifyOptions } from '@tradewind/verifier';
import {
  type AcceptOfferOptions,
  type CredentialQuery,
  CredentialRejectedError,
  restoreWallet,
  type StoredCredential,
} from '@tradewind/wallet';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandFamily } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { parseIsoTime } from '../iso-time.js';
import { printResult } from '../output.js';
import { READ_LIMITS, readInput, readTextInput } from '../read-input.js';
import { readSecret } from '../secret.js';
import { escapeForTerminal } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';
import { DATA_INTEGRITY_FLAGS, DATA_INTEGRITY_USAGE, loadDataIntegrityFlags } from '../verify/data-integrity-flags.js';
import { loadPolicyFile } from '../verify/policy-file.js';
import { loadStatusSources, withStatusHint } from '../verify/status-list-flags.js';
import { writeOutputFile } from '../write-output.js';
import { COMMON_HELP, DB_HELP, DB_OPTIONS, WALLET_DB_ENV, walletPath, withWallet } from './wallet-db.js';
import { respond } from './wallet-respond.js';
import { chooseClaims, disclosedNames, renderDisclosure, renderSdJwtClaims } from './wallet-sd-jwt.js';

export { WALLET_DB_ENV };

/** The environment variable holding the backup passphrase when no `--passphrase-file` is given. */
export const BACKUP_PASSPHRASE_ENV = 'TRADEWIND_BACKUP_PASSPHRASE';

function noPositionals(name: string, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`wallet ${name} takes no positional arguments, got ${positionals.join(' ')}`);
}

/** One line per credential: id, types, issuer, validity. */
function renderList(credentials: StoredCredential[]): string {
  if (credentials.length === 0) return 'no credentials';
  return credentials
    .map((c) => {
      const type = c.types.filter((t) => t !== 'VerifiableCredential').join(',') || 'VerifiableCredential';
      const until = c.validUntil ? `until ${c.validUntil.toISOString()}` : 'no expiry';
      return [c.id, type, c.format, c.issuer, until].map(escapeForTerminal).join('  ');
    })
    .join('\n');
}

const init: Command = {
  name: 'init',
  summary: 'Create a wallet database with a holder DID',
  usage: `Usage: tradewind wallet init [options]

Options:
${DB_HELP}
  --method key|jwk         holder DID method (default key)
  --key-type Ed25519|P-256 holder key type (default Ed25519)
  --add                    add another holder DID to an existing wallet
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...DB_OPTIONS,
      method: { type: 'string' },
      'key-type': { type: 'string' },
      add: { type: 'boolean' },
    });
    noPositionals('init', positionals);
    const method = values.method ?? 'key';
    const keyType = values['key-type'] ?? 'Ed25519';
    if (method !== 'key' && method !== 'jwk') throw new UsageError(`--method takes key or jwk, got ${JSON.stringify(method)}`);
    if (keyType !== 'Ed25519' && keyType !== 'P-256')
      throw new UsageError(`--key-type takes Ed25519 or P-256, got ${JSON.stringify(keyType)}`);
    // A second init would quietly give the holder another DID; that must be asked for.
    const path = walletPath(values, io);
    if (existsSync(path) && values.add !== true) {
      throw new UsageError(`a wallet exists at ${path} already; 'tradewind wallet init --add' adds another holder DID to it`, {
        code: 'ALREADY_EXISTS',
      });
    }
    if (!existsSync(path) && values.add === true) {
      throw new UsageError(`no wallet at ${path} to add a holder DID to; create one with 'tradewind wallet init'`, { code: 'NOT_FOUND' });
    }
    const did = await withWallet(values, io, (w) => w.createDid({ method, keyType }), true);
    printResult(io, values.json, did, () => did.did);
    return EXIT.OK;
  },
};

const add: Command = {
  name: 'add',
  summary: 'Verify credentials and store them (all or nothing)',
  usage: `Usage: tradewind wallet add <file|-> [options]

Reads one credential (compact JWT or JSON), a JSON array of them, or one JWT per line,
verifies each, and stores all of them or, if any fails, none.

Options:
${DB_HELP}
  --policy FILE            recognition policy the credentials must satisfy
  --status-list URL=FILE   local copy of a status list credential (repeatable)
  --status-dir DIR         the folder 'tradewind status publish --out DIR' wrote
  --now ISO                verify as of this time, RFC 3339 with a zone (2027-01-31T12:00:00Z)
${DATA_INTEGRITY_USAGE}
${COMMON_HELP}

A Data Integrity (di) credential is stored with the contexts and documents it needed
from these flags, so a backup restores and verifies it without them.

Exit status: 0 stored, 1 refused (codes listed), 2 usage error.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...DB_OPTIONS,
      policy: { type: 'string' },
      'status-list': { type: 'string', multiple: true },
      'status-dir': { type: 'string' },
      now: { type: 'string' },
      ...DATA_INTEGRITY_FLAGS,
    });
    if (positionals.length !== 1) throw new UsageError('wallet add needs one file, or - for stdin');
    const options: VerifyOptions = {};
    if (values.now !== undefined) options.now = parseIsoTime(values.now, '--now');
    if (values.policy !== undefined) Object.assign(options, await loadPolicyFile(values.policy, io));
    const lists = await loadStatusSources(values, io);
    if (lists) options.status = { lists };
    const dataIntegrity = await loadDataIntegrityFlags(values, io);
    if (dataIntegrity) options.dataIntegrity = dataIntegrity;
    const credentials = splitInput(await readTextInput(positionals[0] as string, io, 'input', READ_LIMITS.credentials));
    try {
      const ids = await withWallet(values, io, (w) => w.receiveAll(credentials, options));
      printResult(io, values.json, { stored: ids }, () => ids.join('\n'));
      return EXIT.OK;
    } catch (e) {
      if (!(e instanceof CredentialRejectedError)) throw e;
      printResult(io, values.json, { stored: [], rejected: e.rejected }, () =>
        [
          'refused, nothing stored:',
          ...e.rejected.flatMap((r) =>
            r.errors.map((x) => `  credential ${r.index}: ${x.code}: ${escapeForTerminal(withStatusHint(x, lists !== undefined).message)}`),
          ),
        ].join('\n'),
      );
      return EXIT.NEGATIVE;
    }
  },
};

/**
 * The most credentials one `wallet add` takes. The input is capped in bytes, but 64 MiB
 * of one-character lines is 32 million "credentials", each verified and reported: gigabytes
 * and minutes. Far above what a holder adds at once; more is refused before any work.
 */
export const MAX_ADD_CREDENTIALS = 10_000;

function tooMany(): UsageError {
  return new UsageError(
    `the input holds more than ${MAX_ADD_CREDENTIALS} credentials, the most one wallet add takes; split it into several files`,
    { code: 'LIMIT_EXCEEDED' },
  );
}

/** One credential, a JSON array of credentials, or one compact JWT per line; at most {@link MAX_ADD_CREDENTIALS}. */
function splitInput(text: string): Array<string | Record<string, unknown>> {
  const t = text.trim();
  if (t === '') throw new UsageError('the input is empty');
  if (t.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      throw new UsageError('the input starts with [ but is not a JSON array');
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw new UsageError('the input array is empty');
    if (parsed.length > MAX_ADD_CREDENTIALS) throw tooMany();
    return parsed as Array<string | Record<string, unknown>>;
  }
  if (t.startsWith('{') || t.startsWith('"')) return [t];
  const lines: string[] = [];
  // Counted while splitting: the limit stops the work, not only the result.
  for (let start = 0; start <= t.length; ) {
    const end = t.indexOf('\n', start);
    const line = t.slice(start, end < 0 ? t.length : end).trim();
    if (line !== '') {
      if (lines.length === MAX_ADD_CREDENTIALS) throw tooMany();
      lines.push(line);
    }
    if (end < 0) break;
    start = end + 1;
  }
  return lines;
}

const list: Command = {
  name: 'list',
  summary: 'List stored credentials',
  usage: `Usage: tradewind wallet list [options]

Options:
${DB_HELP}
  --type T                 only credentials of this type (an SD-JWT VC's vct)
  --issuer DID             only credentials from this issuer
  --format F               only credentials of this format (jwt_vc, vc+jwt, dc+sd-jwt, di)
  --valid-at ISO           only credentials valid at this time, RFC 3339 with a zone ("now" for the current time)
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...DB_OPTIONS,
      type: { type: 'string' },
      issuer: { type: 'string' },
      format: { type: 'string' },
      'valid-at': { type: 'string' },
    });
    noPositionals('list', positionals);
    const query: CredentialQuery = {};
    if (values.type !== undefined) query.type = values.type;
    if (values.format !== undefined) query.format = values.format;
    if (values.issuer !== undefined) query.issuer = values.issuer;
    const at = values['valid-at'];
    if (at !== undefined) query.validAt = at === 'now' ? new Date() : parseIsoTime(at, '--valid-at');
    const found = await withWallet(values, io, (w) => w.find(query));
    printResult(io, values.json, found, () => renderList(found));
    return EXIT.OK;
  },
};

const show: Command = {
  name: 'show',
  summary: 'Print one credential exactly as received',
  usage: `Usage: tradewind wallet show <id> [options]

Prints the credential as it was received; with --json, the stored record (metadata too).
For an SD-JWT VC (dc+sd-jwt), stderr lists its vct, the claims every presentation shows
and each claim it can disclose, with the path 'wallet present --disclose' takes (the
record under --json has them as alwaysShown and disclosable).

Options:
${DB_HELP}
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, DB_OPTIONS);
    if (positionals.length !== 1) throw new UsageError('wallet show needs one credential id');
    const found = await withWallet(values, io, (w) => w.get(positionals[0] as string));
    printResult(io, values.json, found, () => found.raw);
    if (!values.json && found.format === 'dc+sd-jwt') io.stderr(renderSdJwtClaims(found));
    return EXIT.OK;
  },
};

const present: Command = {
  name: 'present',
  summary: 'Sign a presentation for an audience and nonce',
  usage: `Usage: tradewind wallet present <id>... --audience A --nonce N [options]

Signs a presentation of the given credentials with the key of the holder DID they are
about, addressed to one verifier (--audience) and bound to its challenge (--nonce).

An SD-JWT VC (dc+sd-jwt) is presented alone, showing only the claims --disclose names
(given_name,nationality; dotted paths address.locality or JSON Pointers /address/locality
too; --disclose '' shows only the claims always shown), with a key-binding JWT signed by
the key its cnf names. What was disclosed and withheld goes to stderr (into the object
under --json). 'wallet show <id>' lists the claims it can disclose.

Options:
${DB_HELP}
  --audience A             the verifier the presentation is for (required)
  --nonce N                the verifier's challenge (required)
  --disclose CLAIMS        SD-JWT VCs: the claims to show, comma-separated (repeatable)
  --format jwt_vp|vp+jwt|di
                           VCDM 1.1 VP-JWT, VCDM 2.0 vp+jwt, or a presentation with a
                           Data Integrity proof (JSON; eddsa-rdfc-2022, challenge = nonce,
                           domain = audience) (default: jwt_vp when all credentials are
                           jwt_vc, else vp+jwt); not for SD-JWT VCs
  --out FILE               write the presentation to FILE instead of stdout
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...DB_OPTIONS,
      audience: { type: 'string' },
      nonce: { type: 'string' },
      disclose: { type: 'string', multiple: true },
      format: { type: 'string' },
      out: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('wallet present needs at least one credential id');
    if (!values.audience) throw new UsageError('wallet present needs --audience');
    if (!values.nonce) throw new UsageError('wallet present needs --nonce');
    const format = values.format;
    if (format !== undefined && format !== 'jwt_vp' && format !== 'vp+jwt' && format !== 'di')
      throw new UsageError(`--format takes jwt_vp, vp+jwt or di, got ${JSON.stringify(format)}`);
    const audience = values.audience;
    const nonce = values.nonce;
    const result = await withWallet(values, io, async (w) => {
      const credentials = await Promise.all(positionals.map((id) => w.get(id)));
      const sdJwt = credentials.find((c) => c.format === 'dc+sd-jwt');
      if (!sdJwt) {
        if (values.disclose !== undefined)
          throw new UsageError(
            '--disclose chooses the claims of an SD-JWT VC (dc+sd-jwt); these credentials are JWTs, which a presentation shows whole',
          );
        return { presentation: await w.present({ credentials: positionals, audience, nonce, ...(format ? { format } : {}) }) };
      }
      if (credentials.length > 1)
        throw new UsageError(`credential ${sdJwt.id} is an SD-JWT VC: it is presented alone, with its own key-binding JWT`);
      if (format !== undefined) throw new UsageError('--format is for JWT presentations; an SD-JWT VC is presented as an SD-JWT');
      if (values.disclose === undefined) throw chooseClaims(sdJwt);
      return w.presentSdJwt({ credential: sdJwt.id, disclose: disclosedNames(values.disclose), nonce, audience });
    });
    // A Data Integrity presentation is a JSON document: one line of JSON (an object under --json).
    const vp = typeof result.presentation === 'string' ? result.presentation : JSON.stringify(result.presentation);
    if (values.out !== undefined) await writeOutputFile(values.out, `${vp}\n`);
    printResult(io, values.json, { ...result, ...(values.out ? { out: values.out } : {}) }, () =>
      values.out ? `written to ${values.out}` : vp,
    );
    if (!values.json && 'withheld' in result) io.stderr(renderDisclosure(result));
    return EXIT.OK;
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'Delete a stored credential',
  usage: `Usage: tradewind wallet delete <id> [options]

Options:
${DB_HELP}
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, DB_OPTIONS);
    if (positionals.length !== 1) throw new UsageError('wallet delete needs one credential id');
    await withWallet(values, io, (w) => w.delete(positionals[0] as string));
    printResult(io, values.json, { deleted: positionals[0] }, () => `deleted ${positionals[0]}`);
    return EXIT.OK;
  },
};

const PASSPHRASE_OPTIONS = { 'passphrase-file': { type: 'string' } } as const;
const PASSPHRASE_HELP = `  --passphrase-file FILE   file holding the backup passphrase (default: $${BACKUP_PASSPHRASE_ENV})`;

async function readPassphrase(file: string | undefined, io: Io): Promise<string> {
  const passphrase =
    file !== undefined
      ? (await readTextInput(file, io, 'passphrase file', READ_LIMITS.secret)).replace(/\r?\n$/, '')
      : io.env[BACKUP_PASSPHRASE_ENV];
  if (!passphrase) throw new UsageError(`no backup passphrase: pass --passphrase-file FILE or set ${BACKUP_PASSPHRASE_ENV}`);
  return passphrase;
}

const exportBackup: Command = {
  name: 'export',
  summary: 'Write an encrypted backup of keys, DIDs and credentials',
  usage: `Usage: tradewind wallet export --out FILE [options]

Options:
${DB_HELP}
${PASSPHRASE_HELP}
  --out FILE               the backup file to write
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...DB_OPTIONS, ...PASSPHRASE_OPTIONS, out: { type: 'string' } });
    noPositionals('export', positionals);
    if (!values.out) throw new UsageError('wallet export needs --out FILE');
    const passphrase = await readPassphrase(values['passphrase-file'], io);
    const backup = await withWallet(values, io, (w) => w.exportBackup(passphrase));
    // Whole or not at all: a kill or a full disk leaves the previous backup in place.
    await writeOutputFile(values.out, backup, { mode: 0o600 });
    printResult(
      io,
      values.json,
      { out: values.out, bytes: backup.length },
      () => `backup written to ${values.out} (${backup.length} bytes)`,
    );
    return EXIT.OK;
  },
};

const importBackup: Command = {
  name: 'import',
  summary: 'Restore an encrypted backup into a new, empty wallet',
  usage: `Usage: tradewind wallet import <backup-file> [options]

Options:
${DB_HELP}
${PASSPHRASE_HELP}
${COMMON_HELP}

A wrong passphrase or a damaged file fails with BACKUP_INVALID and changes nothing: no
database file is left at --db. The restore is one transaction; if it is interrupted,
running it again completes it.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...DB_OPTIONS, ...PASSPHRASE_OPTIONS });
    if (positionals.length !== 1) throw new UsageError('wallet import needs one backup file');
    const passphrase = await readPassphrase(values['passphrase-file'], io);
    const file = await readInput(positionals[0] as string, io, { what: 'backup file', maxBytes: READ_LIMITS.backup });
    const path = walletPath(values, io);
    const secret = await readSecret(values['secret-file'], io);
    // The backup is decrypted before the database is created, and a database this
    // command created is removed when the restore fails: a refused import leaves no file.
    const { wallet, restored: summary } = await restoreWallet({ path, secret }, file, passphrase);
    await wallet.close();
    printResult(io, values.json, summary, () => `restored ${summary.dids.length} DIDs and ${summary.credentials} credentials`);
    return EXIT.OK;
  },
};

const acceptOffer: Command = {
  name: 'accept-offer',
  summary: 'Take a credential from an issuer (OpenID4VCI offer), verify it, store it',
  usage: `Usage: tradewind wallet accept-offer <offer-uri> [options]

Runs the OpenID4VCI 1.0 pre-authorized code flow for an offer URI
(openid-credential-offer://?credential_offer_uri=... or ?credential_offer=...): the
issuer's metadata, an access token, a proof of possession signed by the holder DID's
key, the credential. The credential is verified (its issuer must be the did:web of the
issuer's host, its subject the holder DID) before it is stored.

Options:
${DB_HELP}
  --tx-code CODE           the transaction code the issuer gave with the offer
  --holder DID             the holder DID to bind the credential to (default: the first one the issuer accepts)
  --allow-insecure-http    accept an http:// issuer on a loopback or private host (tests only)
${COMMON_HELP}

Exit status: 0 stored, 1 refused (the offer is used or expired, the issuer refused or
could not be reached, or the credential did not verify; the code says which), 2 usage
error (bad arguments, a missing transaction code).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...DB_OPTIONS,
      'tx-code': { type: 'string' },
      holder: { type: 'string' },
      'allow-insecure-http': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('wallet accept-offer needs one offer URI');
    const uri = positionals[0] as string;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(uri)) throw new UsageError('the offer is a URI (openid-credential-offer://?...)');
    const options: AcceptOfferOptions = { allowInsecureHttp: values['allow-insecure-http'] === true };
    if (values['tx-code'] !== undefined) options.txCode = values['tx-code'];
    if (values.holder !== undefined) options.holderDid = values.holder;
    try {
      const received = await withWallet(values, io, (w) => w.acceptOffer(uri, options));
      const c = received.credential;
      printResult(
        io,
        values.json,
        {
          stored: c.id,
          added: received.added,
          updated: received.updated,
          types: c.types,
          issuer: c.issuer,
          subject: c.subject,
          validUntil: c.validUntil,
          status: c.status,
          warnings: received.warnings,
        },
        () =>
          [
            `${received.added ? 'stored' : received.updated ? 'already held, now with more disclosures' : 'already held'} ${renderList([c])}`,
            ...received.warnings.map((w) => `  warning: ${w.code}: ${escapeForTerminal(w.message)}`),
          ].join('\n'),
      );
      return EXIT.OK;
    } catch (e) {
      if (!(e instanceof CredentialRejectedError)) throw e;
      printResult(io, values.json, { stored: null, rejected: e.rejected }, () =>
        ['refused, nothing stored:', ...e.errors.map((x) => `  ${x.code}: ${escapeForTerminal(x.message)}`)].join('\n'),
      );
      return EXIT.NEGATIVE;
    }
  },
};

/** `tradewind wallet …`: the holder's wallet. */
export const walletCommands: CommandFamily = {
  name: 'wallet',
  summary: 'Keep credentials, present them, back them up',
  subcommands: [init, add, acceptOffer, list, show, present, respond, remove, exportBackup, importBackup],
};
