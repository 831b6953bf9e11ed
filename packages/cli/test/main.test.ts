import { readFileSync } from 'node:fs';
import { TradewindError } from '@tradewind/core';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../src/args.js';
import type { Command, CommandEntry } from '../src/command.js';
import { EXIT } from '../src/exit-codes.js';
import { UsageError } from '../src/usage-error.js';
import { runMain } from './helpers/run-main.js';

describe('tradewind', () => {
  it('lists the commands for --help, on stdout, exit 0', async () => {
    const r = await runMain(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tradewind <command>');
    expect(r.stdout).toMatch(/^ {2}verify +Verify a credential or presentation offline$/m);
  });

  it('prints the usage on stderr and exits 2 without a command', async () => {
    const r = await runMain([]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('Usage: tradewind <command>');
  });

  it('prints the package version for --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(await runMain(['--version'])).toEqual({ code: 0, stdout: `tradewind ${version}\n`, stderr: '' });
  });

  it('shows a command usage for `help verify` and `verify --help`', async () => {
    const a = await runMain(['help', 'verify']);
    const b = await runMain(['verify', 'whatever.jwt', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('Usage: tradewind verify <file|-> [options]');
    expect(b).toEqual(a);
  });

  it('refuses an unknown command with exit 2', async () => {
    const r = await runMain(['verfy', 'x.jwt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tradewind: unknown command 'verfy' \(known: verify[,)]/);
  });
});

describe('command families and error mapping', () => {
  const calls: string[][] = [];
  const sub = (name: string, run: Command['run']): Command => ({
    name,
    summary: `the ${name} subcommand`,
    usage: `Usage: tradewind store ${name}`,
    run,
  });
  const table: CommandEntry[] = [
    {
      name: 'store',
      summary: 'a family for the test',
      subcommands: [
        sub('put', async (argv, io) => {
          calls.push(argv);
          const { values } = parseCommandArgs(argv, { key: { type: 'string' } });
          io.stdout(values.json ? '{"ok":true}\n' : 'stored\n');
          return EXIT.OK;
        }),
        sub('get', async () => {
          throw new TradewindError('NOT_FOUND', 'no such entry');
        }),
        sub('open', async () => {
          throw new TradewindError('INVALID_ARGUMENT', 'the store path is not a directory');
        }),
        sub('crash', async () => {
          throw new Error('disk on fire');
        }),
        sub('strict', async () => {
          throw new UsageError('strict needs --key');
        }),
      ],
    },
  ];

  it('dispatches to a subcommand with the remaining arguments', async () => {
    const r = await runMain(['store', 'put', '--key', 'k1', '--json'], { commands: table });
    expect(r).toEqual({ code: 0, stdout: '{"ok":true}\n', stderr: '' });
    expect(calls.at(-1)).toEqual(['--key', 'k1', '--json']);
  });

  it('prints the family usage for --help (exit 0) and without a subcommand (stderr, exit 2)', async () => {
    const help = await runMain(['store', '--help'], { commands: table });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tradewind store <subcommand> [options]');
    expect(help.stdout).toMatch(/^ {2}put {5}the put subcommand$/m);
    const bare = await runMain(['store'], { commands: table });
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toContain('Usage: tradewind store <subcommand>');
  });

  it('prints a subcommand usage for --help without running it', async () => {
    const before = calls.length;
    expect(await runMain(['store', 'put', '--help'], { commands: table })).toEqual({
      code: 0,
      stdout: 'Usage: tradewind store put\n',
      stderr: '',
    });
    expect(calls.length).toBe(before);
  });

  it('refuses an unknown subcommand and an unknown flag with exit 2', async () => {
    const unknown = await runMain(['store', 'delete'], { commands: table });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("tradewind store: unknown command 'delete' (known: put, get, open, crash, strict)");
    const flag = await runMain(['store', 'put', '--force'], { commands: table });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("tradewind store put: Unknown option '--force'");
  });

  it('maps a TradewindError to exit 1 with its code, INVALID_ARGUMENT and UsageError to exit 2', async () => {
    expect(await runMain(['store', 'get'], { commands: table })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tradewind store get: NOT_FOUND: no such entry\n',
    });
    expect((await runMain(['store', 'open'], { commands: table })).code).toBe(2);
    const usage = await runMain(['store', 'strict'], { commands: table });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("tradewind store strict: strict needs --key\nRun 'tradewind store strict --help' for usage.\n");
  });

  it('reports an unexpected exception on stderr (JSON under --json) and exits 2 rather than crashing', async () => {
    const r = await runMain(['store', 'crash', '--json'], { commands: table });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'UNEXPECTED', message: 'disk on fire' } });
  });
});
