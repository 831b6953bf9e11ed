import { parseCommandArgs } from '../args.js';
import type { Command, CommandFamily } from '../command.js';
import { EXIT } from '../exit-codes.js';
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

/** `tradewind did create|list|document`. */
export const didCommands: CommandFamily = {
  name: 'did',
  summary: 'Create and list the issuer DIDs, print did:web documents',
  subcommands: [create, list, document],
};
