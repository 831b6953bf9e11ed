// The root README is the first thing a user runs commands from; keep it in step with
// the code it describes.
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '@tradewind/core';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');

describe('README.md', () => {
  it('explains every error code in its table', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...ERROR_CODES]);
  });

  it('gives the demo and test commands, and CI runs exactly the test command', () => {
    expect(readme).toContain('\nbash scripts/setup.sh && pnpm demo\n');
    expect(readme).toContain('\nbash scripts/test.sh\n');
    expect(read('.ci/run')).toMatch(/\nexec bash scripts\/test\.sh\n/);
    expect(JSON.parse(read('package.json')).scripts.demo).toMatch(/^pnpm build && node examples\/[\w-]+\/demo\.mjs$/);
  });

  it('states the Node version the packages require', () => {
    expect(readme).toContain(`Node ≥ ${JSON.parse(read('package.json')).engines.node.replace('>=', '')}`);
  });
});
