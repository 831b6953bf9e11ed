// Threat (to a new user): `pnpm lint` failed right after `bash scripts/test.sh`, because
// biome checked the JSON report the test script writes to test-results/. Generated
// folders are outside lint.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const probes = ['test-results', 'coverage', '.tmp', 'bench/results', 'packages/cli/coverage'].map((folder) =>
  join(folder, `lint-probe-${process.pid}.json`),
);
afterAll(() => {
  for (const probe of probes) {
    rmSync(join(root, probe), { force: true });
    try {
      rmdirSync(dirname(join(root, probe))); // only when the probe made it and left it empty
    } catch {
      // not empty: the folder was there before
    }
  }
});

describe('pnpm lint after the test script', () => {
  it('ignores test-results/, coverage/, .tmp/ and bench/results/', () => {
    for (const probe of probes) {
      mkdirSync(join(root, probe, '..'), { recursive: true });
      // Unformatted on purpose: biome would report it if it looked.
      writeFileSync(join(root, probe), '{"numTotalTests":1,   "testResults":[ ]}');
    }
    const biome = join(root, 'node_modules/.bin/biome');
    const r = spawnSync(biome, ['check', ...probes], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const output = r.stdout + r.stderr;
    expect(output).toContain('provided but ignored');
    expect(output).not.toMatch(/Formatter would have printed/);
    for (const probe of probes) expect(output).toContain(probe);
  });
});
