import { TradewindError } from '@tradewind/core';
import { newAdminKey } from './auth.js';
import { loadConfig } from './config.js';
import { startService } from './service.js';

const USAGE = `usage:
  tradewind-issuer-service [--config FILE]   start the service (config file and/or TRADEWIND_* environment)
  tradewind-issuer-service new-admin-key     print a new admin API key and the hash to configure
`;

/** Exit codes: 0 clean stop, 1 could not start or stop cleanly, 2 usage, 130 a second signal while stopping. */
async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'new-admin-key' && argv.length === 1) {
    const { key, hash } = newAdminKey();
    process.stdout.write(`admin API key (give it to the administrator; it is not stored): ${key}\n`);
    process.stdout.write(`hash (put it in adminKeyHashes or TRADEWIND_ADMIN_KEY_HASHES):  ${hash}\n`);
    return 0;
  }
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  let file: string | undefined;
  if (argv[0] === '--config' && argv.length === 2) file = argv[1];
  else if (argv.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }

  const config = loadConfig(file === undefined ? {} : { file });
  const service = await startService(config);
  const lines = [`tradewind-issuer-service listening on ${service.url} for ${config.baseUrl}`, `issuer DID: ${service.did}`];
  if (service.firstStart) {
    lines.push(
      'first start: a new issuer DID was created. Publish (serve these URLs from this service, or copy them):',
      `  DID document:  ${service.publish.didDocument}`,
      `  status lists:  ${service.publish.statusLists}<n>`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting at once\n`);
        process.exit(130);
      }
      stopping = true;
      service.close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Configuration and start-up errors name the setting; nothing else of the configuration is printed.
    const message = error instanceof TradewindError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
    process.stderr.write(`tradewind-issuer-service: ${message}\n`);
    process.exit(1);
  },
);
