import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/index.js';

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-atomic-'));
    const file = join(dir, 'backup.bin');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]), { mode: 0o600 });
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['backup.bin']);
  });

  it('keeps the previous file when the write fails', async () => {
    if (process.getuid?.() === 0) {
      // root ignores folder permissions; fail the rename instead by targeting a folder
      const dir = mkdtempSync(join(tmpdir(), 'tw-atomic-'));
      const target = join(dir, 'out');
      writeFileSync(join(dir, 'keep'), 'previous');
      await expect(writeFileAtomic(join(target, 'x'), 'new')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(readFileSync(join(dir, 'keep'), 'utf8')).toBe('previous');
      expect(readdirSync(dir)).toEqual(['keep']);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tw-atomic-'));
    const file = join(dir, 'list.jwt');
    writeFileSync(file, 'previous');
    chmodSync(dir, 0o500);
    try {
      await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code: 'EACCES' });
      expect(readFileSync(file, 'utf8')).toBe('previous');
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
