// Dates as credentials carry them. Strict on purpose: a date read leniently (local time
// when the zone is missing, Feb 30 rolled over to Mar 2, Invalid Date for an out-of-range
// number) changes what a validity check decides, or switches the check off.

/**
 * Largest NumericDate accepted: 9999-12-31T23:59:59Z, the last second XML Schema's
 * four-digit years can write (RFC 7519 §2 sets no bound; JavaScript dates end at
 * ±8.64e15 ms, beyond which every comparison is false).
 */
export const MAX_NUMERIC_DATE = 253_402_300_799;

// XML Schema 1.1 dateTimeStamp (a dateTime whose timezone is required), restricted to
// what RFC 3339 also allows: four-digit year, upper-case T and Z, no hour 24.
const DATE_TIME_STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch of an XML Schema `dateTimeStamp` / RFC 3339 date-time
 * with an offset (`2026-01-01T00:00:00Z`, `2026-01-01T08:00:00.5+08:00`), or undefined
 * for anything else: no offset (its meaning would depend on the reader's time zone),
 * impossible fields (month 13, Feb 30, hour 24, minute 60, offset beyond ±14:00), or a
 * year outside 0001–9999. The result does not depend on `TZ`.
 *
 * @example
 * ```ts
 * parseDateTimeStamp('2026-02-28T12:00:00+01:00'); // 1772276400000
 * parseDateTimeStamp('2026-02-30T00:00:00Z'); // undefined
 * parseDateTimeStamp('2026-01-01T00:00:00'); // undefined: no offset
 * ```
 */
export function parseDateTimeStamp(value: string): number | undefined {
  if (value.length > 64) return undefined;
  const m = DATE_TIME_STAMP.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number))) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (om > 59 || oh > 14 || (oh === 14 && om > 0)) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * Milliseconds since the epoch of a JWT NumericDate (RFC 7519 §2: seconds, fractions
 * allowed), or undefined unless it is a finite number in [0, {@link MAX_NUMERIC_DATE}].
 *
 * @example
 * ```ts
 * numericDateMs(1767225600); // 1767225600000
 * numericDateMs(1e20); // undefined
 * ```
 */
export function numericDateMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_NUMERIC_DATE)) return undefined;
  return value * 1000;
}
