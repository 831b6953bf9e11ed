import { fail, nowOf, type VerifyContext } from './context.js';

/** Parses an XML Schema dateTime as VCDM requires (a timezone is required in 2.0; 1.1 is laxer). */
export function parseDateTime(value: unknown, path: string): Date | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i.test(value)) {
    return fail('MALFORMED', `${path} is not an XML Schema dateTime`, path);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return fail('MALFORMED', `${path} is not a valid date`, path);
  return date;
}

/** Parses a JWT NumericDate (RFC 7519 §2) into a Date. */
export function parseNumericDate(value: unknown, path: string): Date | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('MALFORMED', `${path} is not a NumericDate`, path);
  return new Date(value * 1000);
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

/** The earlier of two optional dates (the stricter end of a window). */
export function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
