// The built `tradewind` issuer commands under faults: killed between the commit and the
// output, a file size limit (ulimit -f: EFBIG) on the database or on --out.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verifyCredential } from '@tradewind/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const env = { ...process.env, TRADEWIND_SECRET: 'faults secret' };
let dir: string;
let killOnStdout: string;
let killInWriteFile: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function tradewind(args: string[], options: { preload?: string; fileSizeKiB?: number } = {}): Run {
  const node = [...(options.preload ? ['--import', pathToFileURL(options.preload).href] : []), bin, ...args];
  const r =
    options.fileSizeKiB === undefined
      ? spawnSync(process.execPath, node, { env, cwd: dir, encoding: 'utf8', timeout: 60_000 })
      : spawnSync('bash', ['-c', `ulimit -f ${options.fileSizeKiB}; exec "$0" "$@"`, process.execPath, ...node], {
          env,
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
        });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function init(name: string): string {
  const db = join(dir, `${name}.db`);
  const r = tradewind(['issuer', 'init', '--db', db, '--status-base-url', 'https://registry.gov.example/status']);
  expect(r.code, r.stderr).toBe(0);
  return db;
}

function jsonl(name: string, n: number): string {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(
    file,
    `${Array.from({ length: n }, (_, i) => JSON.stringify({ recordKey: `${name}-${i}`, subjectId: `did:example:${name}-${i}`, name: `P${i}` })).join('\n')}\n`,
  );
  return file;
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'tradewind-cli-faults-'));
  // Dies on the first write to stdout: after the commit, before the credential is printed.
  killOnStdout = join(dir, 'kill-on-stdout.mjs');
  writeFileSync(killOnStdout, "process.stdout.write = () => { process.kill(process.pid, 'SIGKILL'); return true; };\n");
  // Dies halfway through the first whole-file write (FileHandle.writeFile).
  killInWriteFile = join(dir, 'kill-in-writefile.mjs');
  writeFileSync(
    killInWriteFile,
    `import { open } from 'node:fs/promises';
const probe = await open(${JSON.stringify(killOnStdout)}, 'r');
const proto = Object.getPrototypeOf(probe);
await probe.close();
proto.writeFile = async function (data) {
  const bytes = Buffer.from(data);
  await this.write(bytes, 0, Math.floor(bytes.length / 2), null);
  await this.sync();
  process.kill(process.pid, 'SIGKILL');
};
`,
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradewind issue killed after the commit', () => {
  it('loses nothing: the retry says ALREADY_EXISTS and how to re-emit; --reemit prints the same credential, logged; other content is refused', async () => {
    const db = init('single');
    const args = [
      'issue',
      '--db',
      db,
      '--type',
      'BirthCertificate',
      '--id',
      'urn:example:birth-1',
      '--claim',
      'name=Ana',
      '--subject-id',
      'did:example:ana',
    ];
    const killed = tradewind(args, { preload: killOnStdout });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toBe('');

    const retry = tradewind([...args, '--json']);
    expect(retry.code).toBe(1);
    const error = JSON.parse(retry.stderr) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('ALREADY_EXISTS');
    expect(error.error.message).toMatch(/--reemit/);

    const again = tradewind([...args, '--reemit']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^Re-emitted urn:example:birth-1/);
    const jwt = again.stdout.trim();
    const result = await verifyCredential(jwt, { status: { onUnavailable: 'warn' } });
    expect(result.verified).toBe(true);
    expect(result.credential?.credentialSubject).toMatchObject({ id: 'did:example:ana', name: 'Ana' });

    const log = JSON.parse(tradewind(['issuer', 'log', '--db', db, '--json']).stdout) as Array<{
      credentialId: string;
      reemissions: number;
    }>;
    expect(log).toEqual([expect.objectContaining({ credentialId: 'urn:example:birth-1', reemissions: 1 })]);

    const changed = tradewind([...args.map((a) => (a === 'name=Ana' ? 'name=Mallory' : a)), '--reemit', '--json']);
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stderr).error.code).toBe('ALREADY_EXISTS');
    const noId = tradewind(['issue', '--db', db, '--type', 'T', '--claim', 'a=1', '--reemit']);
    expect(noId.code).toBe(2);
  }, 60_000);
});

// An immutable file (chattr +i) stays read-only even for root; SQLite then opens it read-only.
function makeImmutable(file: string, on: boolean): boolean {
  return spawnSync('chattr', [on ? '+i' : '-i', file]).status === 0;
}

describe('storage failures are STORAGE_ERROR (exit 2), not UNEXPECTED', () => {
  it('a read-only database file: issue, issue-batch and status changes exit 2 with STORAGE_ERROR', (context) => {
    const db = init('readonly');
    const issued = JSON.parse(tradewind(['issue', '--db', db, '--type', 'T', '--claim', 'a=1', '--json']).stdout) as { id: string };
    if (!makeImmutable(db, true)) context.skip();
    try {
      const input = jsonl('readonly', 5);
      for (const args of [
        ['issue', '--db', db, '--type', 'T', '--claim', 'a=2', '--json'],
        ['issue-batch', input, '--db', db, '--type', 'T', '--json'],
        ['status', 'revoke', issued.id, '--db', db, '--json'],
      ]) {
        const r = tradewind(args);
        expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
        const error = JSON.parse(r.stderr.trim().split('\n').at(-1) as string).error as { code: string; message: string };
        expect(error.code).toBe('STORAGE_ERROR');
        expect(error.message).toMatch(/read-only/);
      }
    } finally {
      makeImmutable(db, false);
    }
  }, 60_000);

  it('a database that cannot be written (file size limit) fails the batch with STORAGE_ERROR and issues nothing', () => {
    const db = init('dbfull');
    const input = jsonl('dbfull', 300);
    const size = Math.floor(readFileSync(db).length / 1024);
    const r = tradewind(['issue-batch', input, '--db', db, '--type', 'T', '--json'], { fileSizeKiB: size - 8 });
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1) as string).error.code).toBe('STORAGE_ERROR');
    expect(JSON.parse(tradewind(['issuer', 'log', '--db', db, '--json']).stdout)).toEqual([]);
  }, 60_000);

  it('--out that fails after the commit (EFBIG) says the credentials were committed and gives the command; that command completes --out', () => {
    const db = init('outfull');
    const input = jsonl('outfull', 60);
    const out = join(dir, 'outfull.issued.jsonl');
    // An output file already past the size limit (whole lines of an earlier run), so
    // that the database, smaller, can still be written.
    const pad = Array.from({ length: 30_000 }, (_, i) =>
      JSON.stringify({ line: i, recordKey: `pad-${i}`, id: `urn:example:pad-${i}`, format: 'vc+jwt', jwt: 'eyJ.eyJ.sig' }),
    );
    writeFileSync(out, `${pad.join('\n')}\n`);
    const limit = Math.ceil(readFileSync(out).length / 1024) - 4;
    const args = ['issue-batch', input, '--db', db, '--type', 'T', '--out', out, '--transaction-size', '25'];
    const failed = tradewind(args, { fileSizeKiB: limit });
    expect(failed.code, failed.stderr).toBe(2);
    expect(failed.stderr).toMatch(/STORAGE_ERROR/);
    expect(failed.stderr).toMatch(/25 credential\(s\) of this run were committed/);
    expect(failed.stderr).toContain(`Re-emit them with: tradewind ${args.join(' ')}`);
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(30_001); // nothing half-written

    const rerun = tradewind([...args, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ issued: 35, skipped: 25, reemitted: 25 });
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(30_000)
      .map((l) => JSON.parse(l) as { recordKey: string });
    expect(lines.map((l) => l.recordKey).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `outfull-${i}`).sort());
  }, 60_000);

  it('status publish killed while writing a list leaves the previously published files whole', () => {
    const db = init('publish');
    expect(tradewind(['issue', '--db', db, '--type', 'T', '--claim', 'a=1']).code).toBe(0);
    const out = join(dir, 'public');
    expect(tradewind(['status', 'publish', '--db', db, '--out', out]).code).toBe(0);
    const before = readFileSync(join(out, '1'), 'utf8');
    const manifest = readFileSync(join(out, 'status-lists.json'), 'utf8');
    const killed = tradewind(['status', 'publish', '--db', db, '--out', out, '--valid-for', '600'], { preload: killInWriteFile });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(join(out, '1'), 'utf8')).toBe(before);
    expect(readFileSync(join(out, 'status-lists.json'), 'utf8')).toBe(manifest);
    const blocked = tradewind(['status', 'publish', '--db', db, '--out', join(out, '1'), '--json']);
    expect(blocked.code).toBe(2);
    expect(JSON.parse(blocked.stderr).error.code).toBe('STORAGE_ERROR');
  }, 60_000);
});
