// Turns a suite's rows into verdicts (ratios, PASS/MISS) and a plain-text table.
import { RAW_ED25519 } from './harness.mjs';
import { median } from './measure.mjs';

const UNITS = new Set(['ops/s', 'ms', 'MB', 'kB', 'count']);

export const meets = (value, target) =>
  (target.min === undefined || value >= target.min) && (target.max === undefined || value <= target.max);

/** Whether two rows come from the same alternating rounds (one `measureInterleaved` call). */
const pairedRows = (row, other) =>
  row.paired !== undefined && row.paired === other.paired && row.rounds !== undefined && row.rounds.length === other.rounds?.length;

/**
 * `row.value / other.value`, or, when both come from the same alternating rounds
 * (`paired`), the median of the round-by-round ratios: each pair of rounds ran seconds
 * apart, so a change in machine load between rounds cancels out.
 */
function ratioOf(row, other) {
  if (pairedRows(row, other)) return median(row.rounds.map((v, i) => v / other.rounds[i]));
  return row.value / other.value;
}

/**
 * Checks the rows' shape, fills in `ratio` and `pass` of every comparison and `pass`
 * of every row that has a target. Throws on rows that break the suite contract.
 */
export function evaluate(rows) {
  if (!Array.isArray(rows)) throw new TypeError('a suite must return an array of rows');
  const byName = new Map();
  for (const row of rows) {
    if (typeof row?.name !== 'string' || typeof row.value !== 'number' || !UNITS.has(row.unit)) {
      throw new TypeError(`bad row ${JSON.stringify(row)}: needs name, numeric value and unit ops/s | ms | MB | kB | count`);
    }
    if (byName.has(row.name)) throw new TypeError(`two rows are named ${JSON.stringify(row.name)}`);
    byName.set(row.name, row);
  }
  for (const row of rows) {
    // Comparisons are filled in below; copies keep an object shared between rows apart.
    if (row.compare) row.compare = row.compare.map((c) => ({ ...c }));
    const verdicts = [];
    if (row.target) verdicts.push(meets(row.value, row.target));
    for (const c of row.compare ?? []) {
      const other = byName.get(c.against);
      if (!other) throw new TypeError(`row ${JSON.stringify(row.name)} compares against unknown row ${JSON.stringify(c.against)}`);
      if (other.unit !== row.unit) throw new TypeError(`row ${JSON.stringify(row.name)} compares ${row.unit} with ${other.unit}`);
      c.ratio = Math.round(ratioOf(row, other) * 1000) / 1000;
      c.paired = pairedRows(row, other);
      // A ratio measured minutes apart on a shared machine says more about the load than
      // about the code: a ratio that is judged must come from alternating rounds.
      if (c.target && !c.paired) {
        throw new TypeError(
          `row ${JSON.stringify(row.name)} has a target against ${JSON.stringify(c.against)}, but they were not measured in the same alternating rounds (measureInterleaved)`,
        );
      }
      if (c.target) {
        c.pass = meets(c.ratio, c.target);
        verdicts.push(c.pass);
      }
    }
    if (verdicts.length > 0) row.pass = verdicts.every(Boolean);
  }
  return rows;
}

export const num = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));
/** A value as the tables print it: counts whole, other units rounded by size. */
export const formatValue = (row) => `${row.unit === 'count' ? String(row.value) : num(row.value)} ${row.unit}`;
export const formatTarget = (t, suffix = '') =>
  [t.min !== undefined ? `≥ ${t.min}${suffix}` : '', t.max !== undefined ? `≤ ${t.max}${suffix}` : ''].filter(Boolean).join(', ');

/** How far a value falls short of its target, as a percentage of the target. */
export function shortfall(value, target) {
  // One decimal below 10 %, so a near miss never reads "0% over".
  const pct = (x) => (x < 10 ? (Math.ceil(x * 10) / 10).toString() : Math.round(x).toString());
  if (target.min !== undefined && value < target.min) return `${pct((1 - value / target.min) * 100)}% short`;
  // A target of at most zero (errors, say) is missed by a count, not a percentage.
  if (target.max === 0 && value > 0) return `${value} over`;
  if (target.max !== undefined && value > target.max) return `${pct((value / target.max - 1) * 100)}% over`;
  return '';
}

const verdict = (pass, detail) => (pass ? 'PASS' : `MISS (${detail})`);
/** Baseline names as the tables cite them: `raw`, `raw, all in flight`, … */
export const shortName = (name) => (name.startsWith(RAW_ED25519) ? `raw${name.slice(RAW_ED25519.length)}` : name);

export function formatTable(title, rows) {
  const lines = [];
  for (const row of rows) {
    let first = true;
    const line = (cmp, ratio, target, result) => {
      lines.push([first ? row.name : '', first ? formatValue(row) : '', cmp, ratio, target, result]);
      first = false;
    };
    if (row.target)
      line('', '', formatTarget(row.target, ` ${row.unit}`), verdict(meets(row.value, row.target), shortfall(row.value, row.target)));
    for (const c of row.compare ?? []) {
      line(
        `vs ${shortName(c.against)}${c.paired ? '' : ' (not alternating)'}`,
        `${num(c.ratio)}×`,
        c.target ? formatTarget(c.target, '×') : '',
        c.target ? verdict(c.pass, shortfall(c.ratio, c.target)) : '',
      );
    }
    if (first) line('', '', '', '');
    if (row.note) lines.push(['', '', `  ${row.note}`, '', '', '']);
  }
  const head = ['', 'value', 'compared with', 'ratio', 'target', 'result'];
  const noteRow = (r) => r[2].startsWith('  ') && r[0] === '' && r[1] === '' && r[3] === '';
  const widths = head.map((h, i) => Math.max(h.length, ...lines.filter((r) => !noteRow(r) || i !== 2).map((r) => r[i].length)));
  const fmt = (r) =>
    noteRow(r)
      ? `      ${r[2].trim()}`
      : `  ${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3].padStart(widths[3])}  ${r[4].padEnd(widths[4])}  ${r[5]}`.trimEnd();
  return [`${title}`, fmt(head), ...lines.map(fmt)].join('\n');
}
