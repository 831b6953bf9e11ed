import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase, testEngine } from '../../../test/support/database.js';
import { StateStore } from '../src/state-store.js';

describe(`StateStore (${testEngine()})`, () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-state-'));
    store = await StateStore.open(await testDatabase(dir, 'state'));
    await store.migrate('t-1', 'CREATE TABLE t (v TEXT NOT NULL)');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a statement sent while another transaction is open out of it: the rollback does not take it along', async () => {
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const failing = store.transaction(async () => {
      await store.run('INSERT INTO t (v) VALUES (?)', ['rolled back']);
      inside();
      await held;
      throw new Error('refused');
    });
    await opened;
    const outside = store.run('INSERT INTO t (v) VALUES (?)', ['kept']);
    release();
    await expect(failing).rejects.toThrow('refused');
    expect(await outside).toBe(1);
    expect(await store.all('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
  });

  it('refuses a transaction inside a transaction instead of waiting for itself', async () => {
    await expect(store.transaction(() => store.transaction(async () => 1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await store.transaction(async () => store.get<{ n: number }>('SELECT count(*) AS n FROM t'))).toEqual({ n: 0 });
    expect(store.engine).toBe(testEngine());
  });

  it('migrates once per name', async () => {
    await store.migrate('t-1', 'CREATE TABLE t (v TEXT NOT NULL)');
    expect(await store.all('SELECT name FROM service_migrations')).toEqual([{ name: 't-1' }]);
  });
});
