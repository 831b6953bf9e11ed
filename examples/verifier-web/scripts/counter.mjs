// `pnpm counter`: the counter scenario on this machine. Prepares `.counter/` once (an
// issuing agency of Trinidad and Tobago, a regional anchor and its signed recognition
// list, a holder's wallet with her national ID as dc+sd-jwt and vc+jwt), starts the page
// on 127.0.0.1 and prints its URL and the wallet command that answers a request.
// `--fresh` makes a new `.counter/`; `--port N` picks the port (default 8090).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startVerifierWeb } from '../dist/server.js';
import { prepareCounterWorld, SECRETS, statusListFiles } from './counter-world.mjs';

const cwd = process.env.INIT_CWD ?? process.cwd();
const dir = join(cwd, '.counter');
const args = process.argv.slice(2).filter((a) => a !== '--');
const portAt = args.indexOf('--port');
const port = portAt === -1 ? 8090 : Number(args[portAt + 1]);
if (
  !Number.isInteger(port) ||
  port < 0 ||
  port > 65_535 ||
  args.some((a, i) => !['--fresh', '--port'].includes(a) && args[i - 1] !== '--port')
) {
  process.stderr.write('usage: pnpm counter [--fresh] [--port N]\n');
  process.exit(2);
}

if (args.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
if (!existsSync(join(dir, 'counter-policy.json'))) {
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write('preparing .counter/ (agency, anchor, recognition list, wallet)…\n');
  const world = await prepareCounterWorld(dir);
  await world.close();
  // Everything here is generated, the databases and secrets included: never committed.
  writeFileSync(join(dir, '.gitignore'), '*\n');
  writeFileSync(join(dir, 'wallet-secret'), `${SECRETS.wallet}\n`, { mode: 0o600 });
}

const web = await startVerifierWeb({
  port,
  policy: join(dir, 'counter-policy.json'),
  statusLists: statusListFiles(join(dir, 'published')),
  clientName: 'Counter 3, Port of Spain',
});
const rel = (path) => relative(cwd, path) || '.';
process.stdout.write(`
The counter page: ${web.url}
  1. Open it, choose what to ask for, press "New request".
  2. Copy the request link from the page and answer it with the holder's wallet:

     pnpm tradewind wallet respond '<link from the page>' --wallet ${rel(join(dir, 'wallet.db'))} --secret-file ${rel(join(dir, 'wallet-secret'))}

     (it shows what it will disclose and asks; add --yes to consent without the prompt)
  3. The page shows ACCEPTED or REFUSED, with the issuer and the disclosed claims.

Ctrl+C stops the page. .counter/ stays (pnpm counter --fresh starts over).
`);
const stop = () => void web.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
