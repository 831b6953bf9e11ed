import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminKey } from '../src/auth.js';
import { CONFIG_DEFAULTS, DEFAULT_CREDENTIAL_CONFIGURATIONS, ENVIRONMENT, loadConfig } from '../src/config.js';

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

  it('documents every environment variable it reads in the README', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const variable of [...ENVIRONMENT.map((v) => v.name), 'TRADEWIND_SERVICE_CONFIG']) expect(readme, variable).toContain(variable);
  });
});
