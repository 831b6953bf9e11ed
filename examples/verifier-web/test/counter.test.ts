import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

// `pnpm counter` as a user runs it (the built server and CLI: `pnpm build` first): it
// prepares .counter/ in the folder it is started from, prints the page and the wallet
// command, and that command, given a request link of the page, is accepted.
const here = import.meta.dirname;
const repo = join(here, '..', '..', '..');
const cwd = mkdtempSync(join(tmpdir(), 'tradewind-counter-'));

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

test('pnpm counter: the printed wallet command answers a request of the page: accepted', async () => {
  expect(existsSync(join(here, '..', 'dist', 'server.js'))).toBe(true);
  const child = spawn(process.execPath, [join(here, '..', 'scripts', 'counter.mjs'), '--port', '0'], {
    cwd,
    env: { ...process.env, INIT_CWD: cwd },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  try {
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/Ctrl\+C stops the page/);
    expect(readFileSync(join(cwd, '.counter', '.gitignore'), 'utf8')).toBe('*\n');
    const url = /The counter page: (\S+)/.exec(out)![1]!;
    const command = /pnpm tradewind (wallet respond .*)$/m.exec(out)![1]!;
    const { uri } = await (await fetch(new URL('/api/requests', url), { method: 'POST', body: '{"profile":"national-id"}' })).json();
    // The printed command, as a shell would split it, with the link in place and consent given.
    const args = command.replace("'<link from the page>'", uri).split(' ');
    expect(args.slice(0, 3)).toEqual(['wallet', 'respond', uri]);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(repo, 'packages', 'cli', 'bin', 'tradewind.js'), ...args, '--yes'],
      { cwd },
    );
    expect(stdout).toMatch(/ACCEPTED/);
    const state = await (await fetch(new URL(`/api/requests/${new URL(uri).searchParams.get('state')}`, url))).json();
    expect(state.status).toBe('accepted');
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});
