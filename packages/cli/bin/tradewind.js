#!/usr/bin/env node
// The `tradewind` command. It lives outside dist/ so that package managers link it at
// install time, before a workspace checkout has built dist/.
try {
  await import('../dist/bin.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/bin.js')) throw err;
  process.stderr.write('tradewind: the CLI is not built yet; run `pnpm build` in the repository first\n');
  process.exitCode = 2;
}
