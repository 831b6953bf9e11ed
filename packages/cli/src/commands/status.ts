import { parseCommandArgs, parseIntegerFlag } from '../args.js';
import type { Command, CommandFamily } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ISSUER_DB_HELP, ISSUER_DB_OPTIONS, withIssuer } from '../issuer/open-store.js';
import { printResult } from '../output.js';
import { UsageError } from '../usage-error.js';

function change(name: 'revoke' | 'suspend' | 'reinstate', summary: string): Command {
  return {
    name,
    summary,
    usage: `Usage: tradewind status ${name} CREDENTIAL_ID [options]

${summary}. Takes effect for verifiers once the status lists are published again
(tradewind status publish).

Options:
${ISSUER_DB_HELP}
  --json                   print the change as JSON
  -h, --help               show this help`,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(argv, ISSUER_DB_OPTIONS);
      if (positionals.length !== 1) throw new UsageError(`status ${name} takes one credential id`);
      const id = positionals[0] as string;
      const result = await withIssuer(values, io, (issuer) => issuer[name](id));
      const done = { revoke: 'revoked', suspend: 'suspended', reinstate: 'reinstated' }[name];
      printResult(io, values.json, result, () =>
        result.changed ? `${id} ${done}` : `${id} was already ${done === 'reinstated' ? 'not suspended' : done}`,
      );
      return EXIT.OK;
    },
  };
}

const publish: Command = {
  name: 'publish',
  summary: 'Sign the status lists and write them for publication',
  usage: `Usage: tradewind status publish --out DIR [options]

Signs every status list as a BitstringStatusListCredential (vc+jwt) valid from now for
--valid-for seconds, and writes DIR/<n> for the list published at <status base URL>/<n>,
plus DIR/status-lists.json. The Token Status Lists of dc+sd-jwt credentials are signed
as status list tokens (statuslist+jwt: iat now, exp from --valid-for, ttl 300 s or
--valid-for when shorter) and
written to DIR/token/<n> for <status base URL>/token/<n>, plus DIR/token/status-lists.json;
serve them with Content-Type application/statuslist+jwt. Serve DIR at the status base
URL; publish again before the lists expire.

Options:
${ISSUER_DB_HELP}
  --out DIR                output directory (created if needed)
  --valid-for SECONDS      validity of the signed lists (default 86400)
  --json                   print the written files as JSON
  -h, --help               show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...ISSUER_DB_OPTIONS,
      out: { type: 'string' },
      'valid-for': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`status publish takes no positional arguments, got ${positionals.join(' ')}`);
    if (!values.out) throw new UsageError('status publish needs --out DIR');
    // The issuer allows up to ten years (316,224,000 s).
    const validForSeconds = parseIntegerFlag(values['valid-for'], '--valid-for', 1, 316_224_000) ?? 86_400;
    const out = values.out;
    const files = await withIssuer(values, io, (issuer) => issuer.publishStatusLists(out, { validForSeconds }));
    printResult(io, values.json, files, () =>
      files.length === 0 ? 'No status lists yet.' : files.map((f) => `${f.file}  ->  ${f.url}`).join('\n'),
    );
    return EXIT.OK;
  },
};

/** `tradewind status revoke|suspend|reinstate|publish`. */
export const statusCommands: CommandFamily = {
  name: 'status',
  summary: 'Revoke, suspend, reinstate credentials; publish status lists',
  subcommands: [
    change('revoke', 'Revoke a credential (permanent)'),
    change('suspend', 'Suspend a credential'),
    change('reinstate', 'Lift the suspension of a credential'),
    publish,
  ],
};
