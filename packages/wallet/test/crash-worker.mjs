// Child process of crash.test.ts: imports batches through the built wallet, reporting
// each commit on stdout, until the parent kills it with SIGKILL.
import { readFileSync } from 'node:fs';
import { openWallet } from '../dist/index.js';

const [path, batchesFile, startText] = process.argv.slice(2);
const batches = JSON.parse(readFileSync(batchesFile, 'utf8'));
const wallet = await openWallet({ path, secret: 'crash-test-secret', kdf: { N: 1024, r: 8, p: 1 } });
process.stdout.write('ready\n');
for (let i = Number(startText); i < batches.length; i++) {
  await wallet.receiveAll(batches[i]);
  process.stdout.write(`committed ${i}\n`);
}
await wallet.close();
process.stdout.write('done\n');
