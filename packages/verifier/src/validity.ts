import { MAX_NUMERIC_DATE, numericDateMs, parseDateTimeStamp } from '@tradewind/core';
import { fail, nowOf, type VerifyContext } from './context.js';

/**
 * Parses a credential date: an XML Schema dateTimeStamp / RFC 3339 date-time with an
 * offset (VCDM 2.0 requires one; 1.1 credentials are held to the same rule so that no
 * date reads differently under another `TZ`). Anything else is MALFORMED.
 */
export function parseDateTime(value: unknown, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseDateTimeStamp(value) : undefined;
  if (ms === undefined) {
    return fail('MALFORMED', `${path} is not a date-time with a time zone offset (e.g. 2026-01-01T00:00:00Z) or not a real date`, path);
  }
  return new Date(ms);
}

/**
 * Parses a JWT NumericDate (RFC 7519 §2) into a Date. Out of range values are MALFORMED:
 * an unrepresentable date would otherwise turn every window comparison false.
 */
export function parseNumericDate(value: unknown, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = numericDateMs(value);
  if (ms === undefined) return fail('MALFORMED', `${path} is not a NumericDate in seconds between 0 and ${MAX_NUMERIC_DATE}`, path);
  return new Date(ms);
}

/** Throws EXPIRED or NOT_YET_VALID when `now` is outside [from, until] widened by the clock skew. */
export function checkWindow(
  ctx: VerifyContext,
  from: Date | undefined,
  until: Date | undefined,
  what: string,
  paths: [string, string],
): void {
  const now = nowOf(ctx);
  // A date no comparison can order (NaN) would pass both checks below: never let it.
  if (Number.isNaN(until?.getTime()) || Number.isNaN(from?.getTime())) fail('MALFORMED', `${what} has an invalid date`, paths[0]);
  if (until && now - ctx.skewMs > until.getTime()) {
    fail('EXPIRED', `${what} expired at ${until.toISOString()}`, paths[1]);
  }
  if (from && now + ctx.skewMs < from.getTime()) {
    fail('NOT_YET_VALID', `${what} is not valid before ${from.toISOString()}`, paths[0]);
  }
}

/** The later of two optional dates (the stricter start of a window). */
export function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

/** A bound of a validity window and the member that sets it. */
export type Bound = [date: Date | undefined, path: string];

/**
 * The strictest of several bounds — the latest start or the earliest end — with the path
 * of the member that gives it, so that an error points at the member that decided.
 */
export function strictest(kind: 'start' | 'end', bounds: Bound[], fallback: string): { date: Date | undefined; path: string } {
  let best: Bound = [undefined, fallback];
  for (const bound of bounds) {
    const [date] = bound;
    if (!date) continue;
    if (!best[0] || (kind === 'start' ? date > best[0] : date < best[0])) best = bound;
  }
  return { date: best[0], path: best[1] };
}

/** The earlier of two optional dates (the stricter end of a window). */
export function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
