// Threat: a time without a zone is read in the machine's local zone (or a bare date is
// guessed at), so the same audit gives different answers on different machines.
// `wallet add --now` used to accept anything Date.parse took. Every command now parses
// its times with one strict RFC 3339 function.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsoTime } from '../src/iso-time.js';
import { runMain } from './helpers/run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-now-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { TRADEWIND_SECRET: 'secret', TRADEWIND_WALLET_DB: join(dir, 'wallet.db'), TRADEWIND_ISSUER_DB: join(dir, 'issuer.db') };

const LOOSE = ['2026-01-01', '2026-01-01T10:00:00', '2026-01-01T10:00Z', '2026-01-01 10:00:00Z', '01/02/2026', 'Jan 1 2026', '1767225600'];

describe('--now and other times on the command line are RFC 3339 with a zone, everywhere', () => {
  it('wallet add --now 2026-01-01 (no zone) is a usage error, exit 2', async () => {
    expect((await runMain(['wallet', 'init', '--method', 'jwk'], { env })).code).toBe(0);
    const r = await runMain(['wallet', 'add', '-', '--now', '2026-01-01'], { env, stdin: 'eyJ.x.y' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--now expects an RFC 3339 date-time');
  });

  it.each(LOOSE)('%s is refused by every command that takes a time', async (value) => {
    const commands = [
      ['verify', '-', '--now', value],
      ['wallet', 'add', '-', '--now', value],
      ['wallet', 'list', '--valid-at', value],
      ['recognition-list', 'inspect', '-', '--now', value],
      ['recognition-list', 'sign', '-', '--valid-until', value],
    ];
    for (const argv of commands) {
      const r = await runMain([...argv, '--json'], { env, stdin: '{"sequence":1,"nextUpdate":"2027-01-01T00:00:00Z","entries":[]}' });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(JSON.parse(r.stderr).error.message, argv.join(' ')).toMatch(/expects an RFC 3339 date-time/);
    }
  });

  it('issue --valid-from/--valid-until and issuer log --since refuse a time without a zone too (exit 2)', async () => {
    expect((await runMain(['issuer', 'init', '--status-base-url', 'https://x.example/status'], { env })).code).toBe(0);
    for (const argv of [
      ['issue', '--type', 'T', '--claim', 'a=1', '--valid-until', '2027-01-01'],
      ['issue', '--type', 'T', '--claim', 'a=1', '--valid-from', '2026-01-01T10:00:00'],
      ['issuer', 'log', '--since', '2026-01-01'],
    ]) {
      const r = await runMain([...argv, '--json'], { env });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(JSON.parse(r.stderr).error.message, argv.join(' ')).toMatch(/RFC 3339/);
    }
  });

  it('reads the same instant whatever the offset, independent of the machine zone', () => {
    const utc = parseIsoTime('2026-01-01T12:00:00Z', '--now').getTime();
    expect(parseIsoTime('2026-01-01T08:00:00-04:00', '--now').getTime()).toBe(utc);
    expect(parseIsoTime('2026-01-01t12:00:00.000z', '--now').getTime()).toBe(utc);
    expect(() => parseIsoTime('2026-02-29T00:00:00Z', '--now')).toThrow(/RFC 3339/);
    expect(() => parseIsoTime('2026-13-01T00:00:00Z', '--now')).toThrow(/RFC 3339/);
    expect(() => parseIsoTime('2026-01-01T00:00:00+24:00', '--now')).toThrow(/RFC 3339/);
  });
});
