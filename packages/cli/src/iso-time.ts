import { UsageError } from './usage-error.js';

/**
 * RFC 3339 date-time (XML Schema dateTimeStamp): date, time with seconds, optional
 * fraction, and a required offset. Nothing looser: without a zone JavaScript reads the
 * time in the machine's local zone, and a bare date or a time without seconds is a
 * guess at what the caller meant, so the same audit would give different answers on
 * different machines.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses a time given on the command line (`--now`, `--valid-until`, `--valid-at`) or
 * in a file the CLI reads, strictly: RFC 3339 with an offset, a day that exists in the
 * calendar (`Date` alone would roll 2027-02-30 over into March), hours, minutes and
 * seconds in range. Every command parses its times with this one function. `what`
 * names the flag or field in the usage error (exit 2).
 *
 * @example
 * ```ts
 * const now = parseIsoTime('2027-01-31T12:00:00Z', '--now');
 * ```
 */
export function parseIsoTime(value: string, what: string): Date {
  const m = RFC3339.exec(value);
  const [year, month, day, hour, minute, second, zoneHour = 0, zoneMinute = 0] = (m ?? []).slice(1).map((v) => Number(v ?? 0)) as number[];
  const date = new Date(value.toUpperCase());
  const calendarDay = m !== null && new Date(Date.UTC(year as number, (month as number) - 1, day)).getUTCDate() === day;
  if (
    !calendarDay ||
    (month as number) < 1 ||
    (month as number) > 12 ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59 ||
    zoneHour > 23 ||
    zoneMinute > 59 ||
    Number.isNaN(date.getTime())
  ) {
    throw new UsageError(
      `${what} expects an RFC 3339 date-time with seconds and a zone, such as 2027-01-31T12:00:00Z or 2027-01-31T08:00:00-04:00, got ${JSON.stringify(value)}`,
    );
  }
  return date;
}
