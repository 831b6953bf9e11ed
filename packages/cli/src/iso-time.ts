import { UsageError } from './usage-error.js';

/**
 * ISO 8601 date (midnight UTC), or date-time with optional seconds and fraction and a
 * required zone: without one, JavaScript reads the time in the machine's local zone and
 * the same audit would give different answers on different machines.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * Parses a time given on the command line (`--now`, `--valid-until`) strictly. `Date`
 * alone would roll 2027-02-30 over into March; an audit evaluated at a day that does
 * not exist must be refused, not silently moved. `what` names the flag or field in the
 * usage error.
 *
 * @example
 * ```ts
 * const now = parseIsoTime('2027-01-31T12:00:00Z', '--now');
 * ```
 */
export function parseIsoTime(value: string, what: string): Date {
  const m = ISO_DATE.exec(value);
  const [year, month, day, hour = 0, minute = 0, second = 0, zoneHour = 0, zoneMinute = 0] = (m ?? []).slice(1).map((v) => Number(v ?? 0));
  const date = new Date(value);
  const calendarDay = m && new Date(Date.UTC(year as number, (month as number) - 1, day)).getUTCDate() === day;
  if (!m || !calendarDay || hour > 23 || minute > 59 || second > 59 || zoneHour > 23 || zoneMinute > 59 || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${what} expects an ISO 8601 date or a date-time with a zone, such as 2027-01-31 or 2027-01-31T12:00:00Z, got ${JSON.stringify(value)}`,
    );
  }
  return date;
}
