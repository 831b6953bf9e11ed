import { describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { readSecret } from '../src/secret.js';
import { UsageError } from '../src/usage-error.js';
import { tempFiles } from './helpers/credentials.js';

const files = tempFiles();
const io = (env: Record<string, string> = {}): Io => ({
  stdout: () => {},
  stderr: () => {},
  async *stdin() {},
  env,
});

describe('readSecret', () => {
  it('reads --secret-file without its trailing newline, ahead of TRADEWIND_SECRET', async () => {
    const file = files.write('secret', 'correct horse battery staple\n');
    expect(await readSecret(file, io({ TRADEWIND_SECRET: 'from-env' }))).toBe('correct horse battery staple');
  });

  it('falls back to TRADEWIND_SECRET', async () => {
    expect(await readSecret(undefined, io({ TRADEWIND_SECRET: 's3cret' }))).toBe('s3cret');
  });

  it('is a usage error when no secret is given, the file is empty or missing', async () => {
    await expect(readSecret(undefined, io())).rejects.toThrow(
      new UsageError('no secret given: pass --secret-file FILE or set TRADEWIND_SECRET'),
    );
    await expect(readSecret(undefined, io({ TRADEWIND_SECRET: '' }))).rejects.toBeInstanceOf(UsageError);
    await expect(readSecret(files.write('empty', '\n'), io())).rejects.toThrow(/is empty/);
    await expect(readSecret('/nonexistent/secret', io())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
