import type { KeyAlgorithm } from '@tradewind/issuer';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandFamily } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { parseIsoTime } from '../iso-time.js';
import { ISSUER_DB_HELP, ISSUER_DB_OPTIONS, withIssuer } from '../issuer/open-store.js';
import { printResult } from '../output.js';
import { UsageError } from '../usage-error.js';
import { DID_FLAGS, didFlags } from './issuer.js';

const create: Command = {
  name: 'create',
  summary: 'Create a DID with a new key in the issuer database',
  usage: `Usage: tradewind did create [options]

Options:
${ISSUER_DB_HELP}
  --method key|jwk|web     DID method (default key)
  --key-type Ed25519|P-256 key type (default Ed25519)
  --domain HOST[:PATH]     did:web host (and path, colon-separated)
  --default                make it the default issuer
  --json                   print the DID as JSON
  -h, --help               show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...ISSUER_DB_OPTIONS, ...DID_FLAGS, default: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`did create takes no positional arguments, got ${positionals.join(' ')}`);
    const flags = didFlags(values);
    const did = await withIssuer(values, io, async (issuer) => {
      const created = await issuer.createDid(flags);
      if (values.default) await issuer.setDefaultDid(created.did);
      return created;
    });
    printResult(io, values.json, did, () =>
      [did.did, did.method === 'web' ? `Host its document (tradewind did document ${did.did}) at the did:web URL.` : '']
        .filter(Boolean)
        .join('\n'),
    );
    return EXIT.OK;
  },
};

const list: Command = {
  name: 'list',
  summary: 'List the DIDs of the issuer database',
  usage: `Usage: tradewind did list [options]

Options:
${ISSUER_DB_HELP}
  --json                   print the DIDs as JSON
  -h, --help               show this help`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, ISSUER_DB_OPTIONS);
    const { dids, defaultDid } = await withIssuer(values, io, async (issuer) => ({
      dids: await issuer.listDids(),
      defaultDid: issuer.defaultDid,
    }));
    printResult(
      io,
      values.json,
      dids.map((d) => ({ ...d, default: d.did === defaultDid })),
      () =>
        dids.length === 0 ? 'No DIDs.' : dids.map((d) => `${d.did}  ${d.keyType}${d.did === defaultDid ? '  (default)' : ''}`).join('\n'),
    );
    return EXIT.OK;
  },
};

const document: Command = {
  name: 'document',
  summary: 'Print the DID document to host for a did:web DID',
  usage: `Usage: tradewind did document DID [options]

Prints the DID document to publish at https://<host>/.well-known/did.json (or
https://<host>/<path>/did.json) for a did:web DID of the issuer database.

Options:
${ISSUER_DB_HELP}
  -h, --help               show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, ISSUER_DB_OPTIONS);
    if (positionals.length !== 1) throw new UsageError('did document takes one did:web DID');
    const doc = await withIssuer(values, io, (issuer) => issuer.didWebDocument(positionals[0] as string));
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return EXIT.OK;
  },
};

const rotate: Command = {
  name: 'rotate',
  summary: 'Replace the signing key of a did:web DID (the old key stays, retired)',
  usage: `Usage: tradewind did rotate DID [options]

Replaces the signing key of a did:web DID of the issuer database with a new key that
has a verification method id of its own. The old key is marked retired in the same
transaction: it signs nothing from then on, but stays in the DID document (so what it
signed before still verifies) and in the recognition keys. Everything the database
signs afterwards (credentials, status lists, re-emissions, recognition lists) uses the
new key. Then publish the new DID document (tradewind did document DID) and send the
trust anchor the updated recognition list entries.

A did:key or did:jwk DID is its key and cannot rotate: create a new DID instead.

Options:
${ISSUER_DB_HELP}
  --key-type Ed25519|P-256 the new key's type (default: the old key's)
  --now TIME               the rotation time, RFC 3339 (default: now); not before a
                           credential this DID already issued
  --json                   print the rotation as JSON
  -h, --help               show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      'key-type': { type: 'string' },
      now: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('did rotate takes one did:web DID');
    const did = positionals[0] as string;
    if (!did.startsWith('did:web:'))
      throw new UsageError(`${did} is not a did:web DID: a did:key or did:jwk DID is its key, so create a new DID instead`);
    const keyType = values['key-type'];
    if (keyType !== undefined && keyType !== 'Ed25519' && keyType !== 'P-256')
      throw new UsageError(`--key-type takes Ed25519 or P-256, got ${JSON.stringify(keyType)}`);
    const options = {
      ...(keyType === undefined ? {} : { keyType: keyType as KeyAlgorithm }),
      ...(values.now === undefined ? {} : { now: parseIsoTime(values.now, '--now') }),
    };
    const rotated = await withIssuer(values, io, async (issuer) => {
      const { did: id, verificationMethod, previous } = await issuer.rotateKey(did, options);
      return { did: id, verificationMethod, previous, keys: await issuer.signingKeys(did) };
    });
    printResult(io, values.json, rotated, () =>
      [
        `${rotated.did} now signs with ${rotated.verificationMethod}`,
        `retired ${rotated.previous.verificationMethod} at ${rotated.previous.retiredAt}`,
        `Publish the new DID document (tradewind did document ${rotated.did}) and send the trust anchor the updated keys.`,
      ].join('\n'),
    );
    return EXIT.OK;
  },
};

/** `tradewind did create|list|document|rotate`. */
export const didCommands: CommandFamily = {
  name: 'did',
  summary: 'Create and list the issuer DIDs, print did:web documents, rotate did:web keys',
  subcommands: [create, list, document, rotate],
};
