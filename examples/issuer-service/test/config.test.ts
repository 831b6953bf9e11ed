import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminKey } from '../src/auth.js';
import { CONFIG_DEFAULTS, DEFAULT_CREDENTIAL_CONFIGURATIONS, ENVIRONMENT, loadConfig, loadDatabaseSettings } from '../src/config.js';

const HASH = hashAdminKey('tw_test-key');
const SECRET = 'config-test-secret-value';
const ENV = { TRADEWIND_SERVICE_BASE_URL: 'https://registry.gov.example', TRADEWIND_SECRET: SECRET, TRADEWIND_ADMIN_KEY_HASHES: HASH };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tw-service-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problem(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('no error');
}

describe('loadConfig', () => {
  it('fills the defaults around what the environment gives', () => {
    const config = loadConfig({ env: ENV });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      baseUrl: 'https://registry.gov.example',
      secret: SECRET,
      adminKeyHashes: [HASH],
      limits: { bodyBytes: 1048576, batchBytes: 67108864, publicRequestsPerWindow: 600, windowMs: 60000 },
      statusListValidForSeconds: 86400,
      oid4vci: {
        offerTtlSeconds: 600,
        tokenTtlSeconds: 300,
        nonceTtlSeconds: 300,
        credentialConfigurations: DEFAULT_CREDENTIAL_CONFIGURATIONS,
      },
      allowInsecureHttp: false,
      logLevel: 'info',
    });
    expect(config.database).toBe(join(process.cwd(), CONFIG_DEFAULTS.database));
  });

  it('reads a config file, resolves its paths from its folder, and lets the environment and overrides win', async () => {
    const file = join(dir, 'service.json');
    await writeFile(
      file,
      JSON.stringify({
        baseUrl: 'https://registry.gov.example/issuers/civil/',
        port: 9000,
        database: 'data/issuer.db',
        secret: 'from-file',
        adminKeyHashes: [HASH],
        limits: { publicRequestsPerWindow: 50 },
        recognition: { policy: 'policy.json' },
      }),
    );
    const config = loadConfig({
      file,
      env: { TRADEWIND_SERVICE_PORT: '9100', TRADEWIND_SERVICE_RATE_WINDOW_MS: '30000' },
      overrides: { logLevel: 'warn' },
    });
    expect(config.baseUrl).toBe('https://registry.gov.example/issuers/civil');
    expect(config.port).toBe(9100);
    expect(config.database).toBe(join(dir, 'data/issuer.db'));
    expect(config.recognition?.policy).toBe(join(dir, 'policy.json'));
    expect(config.limits).toEqual({ bodyBytes: 1048576, batchBytes: 67108864, publicRequestsPerWindow: 50, windowMs: 30000 });
    expect(config.logLevel).toBe('warn');
    expect(loadConfig({ env: { ...ENV, TRADEWIND_SERVICE_CONFIG: file } }).port).toBe(9000);
  });

  it('splits TRADEWIND_ADMIN_KEY_HASHES at commas', () => {
    const other = hashAdminKey('tw_other');
    expect(loadConfig({ env: { ...ENV, TRADEWIND_ADMIN_KEY_HASHES: ` ${HASH} , ${other},` } }).adminKeyHashes).toEqual([HASH, other]);
  });

  it.each([
    [{ TRADEWIND_SERVICE_BASE_URL: undefined }, /baseUrl \(TRADEWIND_SERVICE_BASE_URL\): is required/],
    [{ TRADEWIND_SECRET: undefined }, /secret \(TRADEWIND_SECRET\): is required/],
    [{ TRADEWIND_ADMIN_KEY_HASHES: undefined }, /adminKeyHashes \(TRADEWIND_ADMIN_KEY_HASHES\): is required/],
    [{ TRADEWIND_ADMIN_KEY_HASHES: ',' }, /adminKeyHashes \(TRADEWIND_ADMIN_KEY_HASHES\): needs at least one/],
    [
      { TRADEWIND_ADMIN_KEY_HASHES: 'md5:abc' },
      /adminKeyHashes\.0 \(TRADEWIND_ADMIN_KEY_HASHES\): must be sha256:<64 lowercase hex digits>/,
    ],
    [{ TRADEWIND_ADMIN_KEY_HASHES: 'tw_the-key-itself' }, /must be sha256/],
    [
      { TRADEWIND_SERVICE_BASE_URL: 'http://registry.gov.example' },
      /baseUrl \(TRADEWIND_SERVICE_BASE_URL\): must be an https URL \(http only with allowInsecureHttp/,
    ],
    [{ TRADEWIND_SERVICE_BASE_URL: 'registry.gov.example' }, /is not a URL/],
    [{ TRADEWIND_SERVICE_BASE_URL: 'https://registry.gov.example/?x=1' }, /must not have a query or fragment/],
    [{ TRADEWIND_SERVICE_BASE_URL: 'https://user@registry.gov.example' }, /must not carry a user name/],
    [{ TRADEWIND_SERVICE_BASE_URL: 'https://registry.gov.example/a%20b' }, /path segments may only hold/],
    [{ TRADEWIND_SERVICE_PORT: '80a' }, /TRADEWIND_SERVICE_PORT: must be a whole number/],
    [{ TRADEWIND_SERVICE_PORT: '70000' }, /port \(TRADEWIND_SERVICE_PORT\): /],
    [{ TRADEWIND_SERVICE_RATE_LIMIT: '0' }, /limits\.publicRequestsPerWindow \(TRADEWIND_SERVICE_RATE_LIMIT\)/],
    [{ TRADEWIND_SERVICE_ALLOW_INSECURE_HTTP: 'yes' }, /TRADEWIND_SERVICE_ALLOW_INSECURE_HTTP: must be true or false/],
    [{ TRADEWIND_SERVICE_LOG_LEVEL: 'loud' }, /logLevel \(TRADEWIND_SERVICE_LOG_LEVEL\)/],
  ])('refuses %j with INVALID_ARGUMENT naming the setting', (change, pattern) => {
    const error = problem(() => loadConfig({ env: { ...ENV, ...change } }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain(SECRET);
  });

  it('takes http only with allowInsecureHttp', () => {
    const config = loadConfig({
      env: { ...ENV, TRADEWIND_SERVICE_BASE_URL: 'http://127.0.0.1:8080', TRADEWIND_SERVICE_ALLOW_INSECURE_HTTP: 'true' },
    });
    expect(config.baseUrl).toBe('http://127.0.0.1:8080');
  });

  it('lists every problem at once, and names the file a bad setting came from', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ port: 'eighty', limits: { bodyBytes: 10 }, adminKeyHash: [HASH], secret: 42 }));
    const error = problem(() => loadConfig({ file, env: {} }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`port (port in ${file})`);
    expect(error.message).toContain(`limits.bodyBytes (limits.bodyBytes in ${file})`);
    expect(error.message).toContain('adminKeyHash');
    expect(error.message).toContain('baseUrl');
    expect(error.message).toContain(`secret (secret in ${file})`);
    expect(error.message).not.toContain('42');
  });

  it('refuses a config file that cannot be read or is not a JSON object', async () => {
    expect(problem(() => loadConfig({ file: join(dir, 'missing.json'), env: ENV })).message).toMatch(/cannot read the config file/);
    const file = join(dir, 'array.json');
    await writeFile(file, '[]');
    expect(problem(() => loadConfig({ file, env: ENV })).message).toMatch(/must hold a JSON object/);
    await writeFile(file, '{');
    expect(problem(() => loadConfig({ file, env: ENV })).message).toMatch(/is not JSON/);
  });

  describe('database locations', () => {
    const URL_WITH_PASSWORD = 'postgres://issuer:pw-not-in-messages@db.internal:5432/issuer';

    it('keeps SQLite as it was: two files, the batch folder beside the state file', () => {
      const config = loadConfig({ env: { ...ENV, TRADEWIND_SERVICE_DATABASE: 'data/issuer.db' } });
      expect(config.database).toBe(join(process.cwd(), 'data/issuer.db'));
      expect(config.stateDatabase).toBe(join(process.cwd(), CONFIG_DEFAULTS.stateDatabase));
      expect(config.batchFolder).toBe(join(process.cwd(), 'batch-jobs'));
    });

    it.each(['postgres://issuer@db.internal:5432/issuer', 'postgresql://issuer@db.internal/issuer?sslmode=require', URL_WITH_PASSWORD])(
      'takes %s as it is (not a path), with the state in the same database',
      (url) => {
        const config = loadConfig({ env: { ...ENV, TRADEWIND_SERVICE_DATABASE: url } });
        expect(config.database).toBe(url);
        expect(config.stateDatabase).toBe(url);
        expect(config.batchFolder).toBe(join(process.cwd(), 'batch-jobs'));
      },
    );

    it('keeps a state database of its own when one is given, and reads a file’s batch folder from its folder', async () => {
      const file = join(dir, 'postgres.json');
      await writeFile(file, JSON.stringify({ database: 'postgres://issuer@db.internal/issuer', batchFolder: 'batches' }));
      const separate = loadConfig({ file, env: { ...ENV, TRADEWIND_SERVICE_STATE_DATABASE: 'postgresql://state@db.internal/state' } });
      expect(separate.database).toBe('postgres://issuer@db.internal/issuer');
      expect(separate.stateDatabase).toBe('postgresql://state@db.internal/state');
      expect(separate.batchFolder).toBe(join(dir, 'batches'));
      const local = loadConfig({ file, env: { ...ENV, TRADEWIND_SERVICE_STATE_DATABASE: 'state.db' } });
      expect(local.stateDatabase).toBe(join(process.cwd(), 'state.db'));
      await writeFile(file, JSON.stringify({ database: 'postgres://issuer@db.internal/issuer' }));
      expect(loadConfig({ file, env: ENV }).batchFolder).toBe(join(dir, 'batch-jobs'));
    });

    it('refuses a PostgreSQL URL that is not one, naming the setting and never the password', () => {
      const error = problem(() =>
        loadConfig({ env: { ...ENV, TRADEWIND_SERVICE_DATABASE: 'postgres://issuer:pw-not-in-messages@db.internal:port/issuer' } }),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('database (TRADEWIND_SERVICE_DATABASE): not a valid PostgreSQL connection URL');
      expect(error.message).not.toContain('pw-not-in-messages');
      const state = problem(() => loadConfig({ env: { ...ENV, TRADEWIND_SERVICE_STATE_DATABASE: 'postgresql://a:pw-not-in-messages@' } }));
      expect(state.message).toContain('stateDatabase (TRADEWIND_SERVICE_STATE_DATABASE)');
      expect(state.message).not.toContain('pw-not-in-messages');
    });

    it('never puts the password of a database URL in a message about another setting', () => {
      const error = problem(() =>
        loadConfig({ env: { ...ENV, TRADEWIND_SERVICE_DATABASE: URL_WITH_PASSWORD, TRADEWIND_SERVICE_PORT: 'x' } }),
      );
      expect(error.message).toContain('TRADEWIND_SERVICE_PORT');
      expect(error.message).not.toContain('pw-not-in-messages');
    });

    it('reads the database settings alone for migrate: no secret, base URL or admin keys needed', () => {
      expect(loadDatabaseSettings({ env: { TRADEWIND_SERVICE_DATABASE: URL_WITH_PASSWORD } })).toEqual({
        database: URL_WITH_PASSWORD,
        stateDatabase: URL_WITH_PASSWORD,
      });
      // What is set is still checked.
      expect(problem(() => loadDatabaseSettings({ env: { TRADEWIND_SERVICE_BASE_URL: 'registry' } })).message).toMatch(/baseUrl/);
    });
  });

  it('documents every environment variable it reads in the README', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const variable of [...ENVIRONMENT.map((v) => v.name), 'TRADEWIND_SERVICE_CONFIG']) expect(readme, variable).toContain(variable);
  });
});
