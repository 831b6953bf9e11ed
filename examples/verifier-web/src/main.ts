import { TradewindError } from '@tradewind/core';
import type { VerifierWebOptions } from './config.js';
import { startVerifierWeb } from './server.js';

const USAGE = `usage: tradewind-verifier-web --policy FILE [options]
  --policy FILE              recognition policy (its recognitionLists are read relative to it)
  --recognition-list FILE    a signed recognition list (repeatable)
  --status-list URL=FILE     a status list credential the verifier holds, re-read when the file changes (repeatable)
  --host HOST                interface to listen on (default 127.0.0.1)
  --port PORT                port (default 8090; 0 picks a free one)
  --public-url URL           the https URL wallets reach (required off loopback)
  --ttl SECONDS              lifetime of a request (default 300)
  --client-name NAME         the name wallets show for this verifier
  --page-dir DIR             the built page (default: this package's dist/page)
`;

/** Reads the command line into options; undefined on a usage error. */
export function parseArgs(argv: string[]): VerifierWebOptions | undefined {
  const options: Partial<VerifierWebOptions> & { statusLists: Record<string, string>; recognitionLists: string[] } = {
    statusLists: Object.create(null),
    recognitionLists: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) return undefined;
    i++;
    if (flag === '--policy' && options.policy === undefined) options.policy = value;
    else if (flag === '--recognition-list') options.recognitionLists.push(value);
    else if (flag === '--status-list') {
      const eq = value.indexOf('=');
      if (eq <= 0 || eq === value.length - 1) return undefined;
      options.statusLists[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (flag === '--host') options.host = value;
    else if (flag === '--port' && /^\d{1,5}$/.test(value)) options.port = Number(value);
    else if (flag === '--public-url') options.publicUrl = value;
    else if (flag === '--ttl' && /^\d{1,5}$/.test(value)) options.ttlSeconds = Number(value);
    else if (flag === '--client-name') options.clientName = value;
    else if (flag === '--page-dir') options.pageDir = value;
    else return undefined;
  }
  return options.policy === undefined ? undefined : (options as VerifierWebOptions);
}

/** Exit codes: 0 stopped cleanly, 1 could not start, 2 usage or configuration error. */
async function main(given: string[]): Promise<number> {
  const argv = given[0] === '--' ? given.slice(1) : given;
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parseArgs(argv);
  if (options === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  let web: Awaited<ReturnType<typeof startVerifierWeb>>;
  try {
    web = await startVerifierWeb(options);
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'INVALID_ARGUMENT') {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: could not start: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`verifier page: ${web.url}\nwallet responses: ${web.responseUri}\n`);
  await new Promise<void>((done) => {
    const stop = () => void web.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
