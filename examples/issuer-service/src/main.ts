import { TradewindError } from '@tradewind/core';
import { newAdminKey } from './auth.js';

const USAGE = `usage:
  tradewind-issuer-service [--config FILE]                   start the service (config file and/or TRADEWIND_* environment)
  tradewind-issuer-service migrate [--config FILE] [--check] show and apply the databases' pending migrations
                                                             (--check: apply nothing; exit 1 when the service would refuse to start)
  tradewind-issuer-service new-admin-key                     print a new admin API key and the hash to configure
`;

/** `migrate [--config FILE] [--check]`: what each database lacks, then (without --check) applies it. */
async function migrate(argv: string[]): Promise<number> {
  let file: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--config' && argv[i + 1] !== undefined && file === undefined) file = argv[++i];
    else {
      process.stderr.write(USAGE);
      return 2;
    }
  }
  const { loadDatabaseSettings } = await import('./config.js');
  const { applyServiceMigrations, inspectServiceMigrations, migrationsRequired } = await import('./migrations.js');
  const settings = loadDatabaseSettings(file === undefined ? {} : { file });
  const found = await inspectServiceMigrations(settings);
  const describe = (what: string, s: { location: string; fresh: boolean; applied: string[]; pending: string[] }) => {
    if (s.fresh) return `${what} ${s.location}: new (the service creates it on its first start)`;
    if (s.pending.length === 0) return `${what} ${s.location}: up to date (${s.applied.length} migrations)`;
    return `${what} ${s.location}: ${s.pending.length} pending: ${s.pending.join(', ')}`;
  };
  process.stdout.write(`${describe('issuer database', found.issuer)}\n${describe('service state', found.state)}\n`);
  if (check) return migrationsRequired(found) ? 1 : 0;
  if (!migrationsRequired(found)) return 0;
  const applied = await applyServiceMigrations(settings);
  for (const name of [...applied.issuer, ...applied.state]) process.stdout.write(`applied ${name}\n`);
  return 0;
}

/** Exit codes: 0 clean stop, 1 could not start or stop cleanly, 2 usage, 130 a second signal while stopping. */
async function main(given: string[]): Promise<number> {
  // `pnpm issuer-service -- --config FILE` passes the `--` on.
  const argv = given[0] === '--' ? given.slice(1) : given;
  if (argv[0] === 'new-admin-key' && argv.length === 1) {
    const { key, hash } = newAdminKey();
    process.stdout.write(`admin API key (give it to the administrator; it is not stored): ${key}\n`);
    process.stdout.write(`hash (put it in adminKeyHashes or TRADEWIND_ADMIN_KEY_HASHES):  ${hash}\n`);
    return 0;
  }
  if (argv[0] === 'migrate') return migrate(argv.slice(1));
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

  // Signals are taken from the start: one during start-up stops the service once it is up
  // (a database is never left half-migrated); a second one exits at once.
  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`${signal} again: exiting at once\n`);
      process.exit(130);
    }
    stopRequested?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const { loadConfig } = await import('./config.js');
  const { startService } = await import('./service.js');
  const config = loadConfig(file === undefined ? {} : { file });
  const service = await startService(config, file === undefined ? {} : { configFile: file });
  const lines = [`tradewind-issuer-service listening on ${service.url} for ${config.baseUrl}`, `issuer DID: ${service.did}`];
  if (service.firstStart) {
    lines.push(
      'first start: a new issuer DID was created. Publish (serve these URLs from this service, or copy them):',
      `  DID document:  ${service.publish.didDocument}`,
      `  status lists:  ${service.publish.statusLists}<n>`,
      `  token lists:   ${service.publish.statusLists}token/<n>  (Token Status Lists of SD-JWT VCs)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  await stopSignal;
  try {
    await service.close();
    return 0;
  } catch (error) {
    process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Configuration and start-up errors name the setting; nothing else of the configuration is printed.
    const message = error instanceof TradewindError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
    // One line, and never a database password (a driver message may quote the URL).
    let line = message.replace(/\s*\n\s*/g, ' ').replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1redacted@');
    // node-postgres's words when the server asks for a password and none was given.
    if (/client password must be a string/.test(line)) line += ' (the database asks for a password: give it in the URL or in PGPASSWORD)';
    process.stderr.write(`tradewind-issuer-service: ${line}\n`);
    process.exit(1);
  },
);
