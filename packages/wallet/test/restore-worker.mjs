// Child process of crash.test.ts: restores a backup into a new wallet through the built
// wallet, until the parent kills it with SIGKILL.
import { readFileSync } from 'node:fs';
import { openWallet } from '../dist/index.js';

const [path, backupFile, passphrase] = process.argv.slice(2);
const wallet = await openWallet({ path, secret: 'crash-test-secret', kdf: { N: 1024, r: 8, p: 1 } });
process.stdout.write('ready\n');
const restored = await wallet.importBackup(readFileSync(backupFile), passphrase);
await wallet.close();
process.stdout.write(`restored ${restored.credentials}\n`);
