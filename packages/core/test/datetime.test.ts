import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { MAX_NUMERIC_DATE, numericDateMs, parseDateTimeStamp, parseRecognitionListSubject } from '../src/index.js';

describe('parseDateTimeStamp', () => {
  it('reads date-times with an offset exactly as written', () => {
    expect(parseDateTimeStamp('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseDateTimeStamp('2026-01-01T08:00:00+08:00')).toBe(Date.UTC(2026, 0, 1));
    expect(parseDateTimeStamp('2025-12-31T20:00:00.250-04:00')).toBe(Date.UTC(2026, 0, 1, 0, 0, 0, 250));
    expect(parseDateTimeStamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateTimeStamp('0050-06-01T00:00:00Z')).toBe(Date.parse('0050-06-01T00:00:00Z'));
    expect(parseDateTimeStamp('9999-12-31T23:59:59Z')).toBe(MAX_NUMERIC_DATE * 1000);
  });

  it('refuses dates without an offset and impossible fields that Date rolls over', () => {
    for (const text of [
      '2026-01-01T00:00:00',
      '2026-02-30T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-06-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:00-14:01',
      '2026-01-01T00:00:00+0100',
      '0000-01-01T00:00:00Z',
      '2026-01-01T00:00:00.Z',
      `2026-01-01T00:00:00.${'1'.repeat(100)}Z`,
    ]) {
      expect(parseDateTimeStamp(text), text).toBeUndefined();
    }
  });

  it('gives the same instant under every TZ (a fresh process per zone)', async () => {
    // TZ is read when a process starts, so each zone gets its own Node process running
    // the same module.
    const entry = fileURLToPath(new URL('../src/datetime.ts', import.meta.url));
    const bundled = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      write: false,
      logLevel: 'silent',
    });
    const code = `${bundled.outputFiles[0]?.text}
      console.log(JSON.stringify([parseDateTimeStamp('2026-03-29T01:30:00+01:00'), parseDateTimeStamp('2026-03-29T01:30:00'), new Date('2026-03-29T01:30:00').getTime()]));`;
    const results = new Set<string>();
    const lenient = new Set<number>();
    for (const zone of ['UTC', 'Asia/Kolkata', 'Pacific/Kiritimati', 'America/Port_of_Spain']) {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, TZ: zone }, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const [strict, zoneless, date] = JSON.parse(run.stdout) as [number, number | null, number];
      results.add(JSON.stringify([strict, zoneless]));
      lenient.add(date);
    }
    expect([...results]).toEqual([JSON.stringify([Date.UTC(2026, 2, 29, 0, 30), null])]);
    expect(lenient.size).toBe(4); // what `new Date` would have done
  });
});

describe('numericDateMs', () => {
  it('accepts finite seconds between 0 and 9999-12-31T23:59:59Z, fractions included', () => {
    expect(numericDateMs(0)).toBe(0);
    expect(numericDateMs(1767225600.5)).toBe(1767225600500);
    expect(numericDateMs(MAX_NUMERIC_DATE)).toBe(253402300799000);
  });

  it('refuses everything else', () => {
    for (const value of [
      -1,
      MAX_NUMERIC_DATE + 1,
      1e20,
      -1e20,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '1767225600',
      null,
      undefined,
      true,
    ]) {
      expect(numericDateMs(value), String(value)).toBeUndefined();
    }
  });
});

describe('recognition list dates', () => {
  const entry = { id: 'did:web:registry.gov.tt', country: 'TT', name: 'Registrar General', credentialTypes: ['*'], assuranceLevel: 'high' };
  it('refuses impossible dates in a recognition list instead of rolling them over', () => {
    for (const bad of ['2027-02-30T00:00:00Z', '2027-01-01T24:00:00Z', '2027-13-01T00:00:00Z', '2027-01-01T00:00:00']) {
      expect(() => parseRecognitionListSubject({ sequence: 1, nextUpdate: bad, entries: [] })).toThrow(/nextUpdate/);
      expect(() =>
        parseRecognitionListSubject({ sequence: 1, nextUpdate: '2027-01-01T00:00:00Z', entries: [{ ...entry, validUntil: bad }] }),
      ).toThrow(/validUntil/);
    }
  });
});
