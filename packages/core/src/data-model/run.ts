// One validation run: the issues found so far, their limit, and the JSON pointer prefix.

import type { VerificationIssue } from '../errors.js';
import { escapePointer } from './values.js';

export type DataModelVersion = '1.1' | '2.0';

export interface DataModelOptions {
  /** Data model the document must follow; default: the one its first `@context` names. */
  version?: DataModelVersion;
  /** JSON pointer prefixed to every path, e.g. `/payload` or `/payload/vc`. Default ''. */
  base?: string;
  /** Stop after this many violations (default 100). */
  maxIssues?: number;
}

export interface Run {
  issues: VerificationIssue[];
  max: number;
  /** Values the JSON walk may still visit. */
  left: number;
}

/** Thrown to unwind once `maxIssues` violations are collected. */
export const STOP: unique symbol = Symbol('stop');

export function newRun(options: DataModelOptions | undefined): Run {
  const max = options?.maxIssues;
  return { issues: [], max: typeof max === 'number' && max >= 1 ? Math.floor(max) : 100, left: 0 };
}

/** The message for a value whose getter or proxy trap threw. */
export const UNREADABLE = 'could not be read (a getter or proxy threw)';

export function report(run: Run, path: string, message: string): void {
  run.issues.push({ code: 'MALFORMED', message, path });
  if (run.issues.length >= run.max) throw STOP;
}

/** Deepest nesting of arrays and objects accepted; a cyclic structure ends here too. */
export const MAX_DEPTH = 64;
/** Most values (members and items, all levels) read in one document. */
export const MAX_VALUES = 200_000;

class WalkFailure {
  constructor(
    public path: string,
    readonly message: string,
  ) {}
}

/**
 * Checks that `value` is JSON data that can be read: no getter or proxy that throws, no
 * nesting deeper than {@link MAX_DEPTH} (which is where a cycle ends), no value JSON cannot
 * carry. Reports the first problem at its path and returns false.
 */
export function walkJson(run: Run, value: unknown, base: string): boolean {
  run.left = MAX_VALUES;
  try {
    walk(value, 0, run);
    return true;
  } catch (e) {
    if (e === STOP) throw e;
    const f = e instanceof WalkFailure ? e : new WalkFailure('', UNREADABLE);
    report(run, base + f.path, f.message);
    return false;
  }
}

function walk(value: unknown, depth: number, budget: Run): void {
  if (--budget.left < 0) throw new WalkFailure('', `the document holds more than ${MAX_VALUES} values`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new WalkFailure('', `${value} is not a JSON number`);
      return;
    case 'object':
      break;
    default:
      throw new WalkFailure('', `a ${typeof value} is not a JSON value`);
  }
  if (value === null) return;
  if (depth >= MAX_DEPTH) throw new WalkFailure('', `nested more than ${MAX_DEPTH} levels deep (or refers back to itself)`);
  let key = '';
  try {
    if (Array.isArray(value)) {
      const n = value.length;
      for (let i = 0; i < n; i++) {
        key = String(i);
        walk(value[i], depth + 1, budget);
      }
    } else {
      for (const k in value) {
        key = k;
        if (Object.hasOwn(value, k)) walk((value as Record<string, unknown>)[k], depth + 1, budget);
      }
    }
  } catch (e) {
    if (e instanceof WalkFailure) {
      e.path = `/${escapePointer(key)}${e.path}`;
      throw e;
    }
    throw new WalkFailure(key === '' ? '' : `/${escapePointer(key)}`, UNREADABLE);
  }
}

/**
 * An own member, else undefined: an inherited one would pass a check and then be missing
 * from the serialized document. (Non-enumerable own members, which only code can create,
 * are read too: checking enumerability costs more than the rest of a lookup.)
 */
export function own(object: object, key: string): unknown {
  const value = (object as Record<string, unknown>)[key];
  return value !== undefined && Object.hasOwn(object, key) ? value : undefined;
}
