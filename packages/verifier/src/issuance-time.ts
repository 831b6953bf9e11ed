import { fail } from './context.js';
import { parseNumericDate } from './validity.js';

/**
 * When a credential (or a list) was issued, for recognition-list key windows: the
 * latest of the times it claims — `iat`, `nbf`, `issuanceDate` / `validFrom` (the
 * decoder's `validFrom` is already the latest of the last three). Taking the latest
 * means a backdated `iat` cannot pull a credential into a retired key's window while
 * its other claims say it is newer. Without any claim, undefined.
 */
export function claimedIssuanceTime(payload: Record<string, unknown>, validFrom: Date | undefined, path: string): number | undefined {
  const iat = parseNumericDate(payload.iat, `${path}/iat`)?.getTime();
  const from = validFrom?.getTime();
  if (iat === undefined) return from;
  if (from === undefined) return iat;
  return Math.max(iat, from);
}

/**
 * Fails with NOT_YET_VALID when the issuance time lies beyond now plus the clock skew:
 * a credential cannot have been issued in the future, and a key window judged at a
 * future time would let a retired key sign now for a successor's period.
 */
export function checkIssuedInPast(issuedAt: number | undefined, now: number, skewMs: number, what: string, path: string): void {
  if (issuedAt !== undefined && issuedAt > now + skewMs) {
    fail('NOT_YET_VALID', `${what} claims to be issued at ${new Date(issuedAt).toISOString()}, in the future`, path);
  }
}
