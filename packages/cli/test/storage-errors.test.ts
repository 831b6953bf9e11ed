// Threat: a full disk, a file size limit, a read-only database or an I/O error came out
// as UNEXPECTED, so scripts could not tell a storage failure from a bug. Whatever layer
// throws it (the SQLite driver, TypeORM, node:fs, a library wrapping them), the CLI
// reports STORAGE_ERROR with exit 2.
import { TradewindError } from '@tradewind/core';
import { describe, expect, it } from 'vitest';
import type { CommandFamily } from '../src/command.js';
import { classifyError } from '../src/output.js';
import { runMain } from './helpers/run-main.js';

function driverError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { errno: 1, code });
}

describe('storage failures map to STORAGE_ERROR, exit 2', () => {
  it.each([
    ['SQLITE_READONLY', driverError('SQLITE_READONLY', 'attempt to write a readonly database')],
    ['SQLITE_IOERR inside a transaction', driverError('SQLITE_IOERR', 'disk I/O error')],
    ['an extended SQLITE_IOERR_WRITE', driverError('SQLITE_IOERR_WRITE', 'disk I/O error')],
    ['SQLITE_FULL', driverError('SQLITE_FULL', 'database or disk is full')],
    ['EFBIG on output', Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG', syscall: 'write' })],
    ['ENOSPC', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })],
    ['EACCES on output', Object.assign(new Error("EACCES: permission denied, open 'out.jwt'"), { code: 'EACCES' })],
    ['EROFS', Object.assign(new Error("EROFS: read-only file system, open 'out.jwt'"), { code: 'EROFS' })],
    [
      'a TypeORM QueryFailedError around the driver error',
      Object.assign(new Error('SQLITE_FULL: database or disk is full'), {
        name: 'QueryFailedError',
        driverError: driverError('SQLITE_FULL', 'database or disk is full'),
      }),
    ],
    ['an error whose cause is the driver error', new Error('commit failed', { cause: driverError('SQLITE_IOERR', 'disk I/O error') })],
    ['a library STORAGE_ERROR', new TradewindError('STORAGE_ERROR', 'cannot open database w.db')],
  ])('%s', (_name, error) => {
    const { code, exit } = classifyError(error);
    expect(code).toBe('STORAGE_ERROR');
    expect(exit).toBe(2);
  });

  it('a plain bug stays UNEXPECTED, a library refusal stays exit 1', () => {
    expect(classifyError(new TypeError('x is undefined'))).toMatchObject({ code: 'UNEXPECTED', exit: 2 });
    expect(classifyError(new TradewindError('WRONG_SECRET', 'no'))).toMatchObject({ code: 'WRONG_SECRET', exit: 1 });
    expect(classifyError(new TradewindError('INVALID_ARGUMENT', 'no'))).toMatchObject({ code: 'INVALID_ARGUMENT', exit: 2 });
  });

  it('through the dispatcher: a raw driver error thrown by any command reports STORAGE_ERROR (JSON and human)', async () => {
    const table: CommandFamily[] = [
      {
        name: 'store',
        summary: 'test',
        subcommands: [
          {
            name: 'write',
            summary: 'test',
            usage: 'Usage: store write',
            run: async () => {
              throw driverError('SQLITE_READONLY', 'attempt to write a readonly database');
            },
          },
        ],
      },
    ];
    const json = await runMain(['store', 'write', '--json'], { commands: table });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr).error).toEqual({
      code: 'STORAGE_ERROR',
      message: 'the database is read-only: SQLITE_READONLY: attempt to write a readonly database',
    });
    const human = await runMain(['store', 'write'], { commands: table });
    expect(human.code).toBe(2);
    expect(human.stderr).toBe(
      'tradewind store write: STORAGE_ERROR: the database is read-only: SQLITE_READONLY: attempt to write a readonly database\n',
    );
  });
});
