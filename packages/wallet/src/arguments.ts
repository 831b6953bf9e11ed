import { TradewindError } from '@tradewind/core';

/**
 * A caller's options or request object read once, as a shallow copy: undefined is `{}`,
 * anything but a plain object is `INVALID_ARGUMENT`, and so is a getter or a `Proxy`
 * that throws while it is read. Later reads see what was checked.
 */
export function readOptions<T extends object>(value: unknown, what: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TradewindError('INVALID_ARGUMENT', `${what} must be an object`);
  return reading(what, () => {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(object).map((k) => [k, object[k]])) as T;
  });
}

/** Runs `read` (which reads a caller's argument); a non-Tradewind error it throws is `INVALID_ARGUMENT`. */
export function reading<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (cause) {
    if (cause instanceof TradewindError) throw cause;
    throw new TradewindError('INVALID_ARGUMENT', `${what} cannot be read: ${describe(cause)}`, { cause });
  }
}

/** A value in an error message, whatever it is (a Symbol, a BigInt, a Proxy that throws). */
export function describe(value: unknown): string {
  try {
    if (value instanceof Error) return value.message;
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return `a ${typeof value}`;
  }
}
