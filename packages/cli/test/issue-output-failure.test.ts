// Threat: `tradewind issue … > cred.jwt` on a full disk or under a file size limit
// committed the credential and then failed with a bare "STORAGE_ERROR: EFBIG": nothing
// said the credential now exists, and a plain retry says ALREADY_EXISTS (or, without
// --id, issues a second credential). The message now says it was committed and gives
// the command that prints it again (--reemit, with the generated --id when none was given).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { main } from '../src/main.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-issue-output-'));
const db = join(dir, 'issuer.db');
const env = { TRADEWIND_SECRET: 'issue output secret', TRADEWIND_ISSUER_DB: db };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await runMain(['issuer', 'init', '--status-base-url', 'https://registry.gov.example/status'], { env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

/** An Io whose stdout fails as write(2) does under `ulimit -f`. */
function fullDiskIo(): Io & { err: () => string } {
  let stderr = '';
  return {
    stdout: () => {
      throw Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG', syscall: 'write' });
    },
    stderr: (t) => {
      stderr += t;
    },
    async *stdin() {},
    env,
    err: () => stderr,
  };
}

describe('issue: the credential is committed but cannot be written out', () => {
  it.each([
    ['with --id', ['--id', 'urn:example:permit-1'], 'urn:example:permit-1'],
    ['without --id (the generated id is added to the re-emit command)', [], undefined],
    ['with --json', ['--id', 'urn:example:permit-2', '--json'], 'urn:example:permit-2'],
  ])(
    '%s: STORAGE_ERROR, exit 2, says it was committed and how to re-emit it',
    async (_name, extra, id) => {
      const io = fullDiskIo();
      const args = ['issue', '--type', 'Permit', '--claim', 'name=Ana', ...extra];
      const code = await main(args, io);
      expect(code).toBe(2);
      expect(io.err()).toContain('STORAGE_ERROR');
      const message = extra.includes('--json') ? JSON.parse(io.err()).error.message : io.err();
      expect(message).toMatch(/was committed to the issuer database/);
      expect(message).toMatch(/EFBIG/);
      const command = /re-emit it with: (tradewind issue .*--reemit)/.exec(message)?.[1];
      expect(command).toBeDefined();
      const reemitArgs = (command as string).split(' ').slice(1);
      if (id) expect(reemitArgs).toContain(id);
      else expect(reemitArgs[reemitArgs.indexOf('--id') + 1]).toMatch(/^urn:uuid:/);

      // The command it gives prints the same credential again, and only once is it in the log.
      const again = await runMain(reemitArgs, { env });
      expect(again.code, again.stderr).toBe(0);
      const log = JSON.parse((await runMain(['issuer', 'log', '--json'], { env })).stdout) as Array<{ credentialId: string }>;
      const reemitted = reemitArgs[reemitArgs.indexOf('--id') + 1] as string;
      expect(log.filter((e) => e.credentialId === reemitted)).toHaveLength(1);
    },
    60_000,
  );
});
