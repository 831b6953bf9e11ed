import { TradewindError } from '@tradewind/core';
import type { DataSource } from 'typeorm';

/** Runs a SQL statement inside a transaction. */
export type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/**
 * Serialises write transactions on one SQLite connection and takes the database write
 * lock up front (`BEGIN IMMEDIATE`), so that concurrent processes queue on
 * `busy_timeout` instead of failing when a read transaction tries to become a writer.
 */
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: DataSource) {}

  /** Runs `fn` in one all-or-nothing transaction; rolls back if it throws. */
  run<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const next = this.tail.then(() => this.once(fn));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Runs `fn` after every transaction queued before it, without opening one (for Veramo writes that open their own). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async once<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const query: Query = (sql, parameters) => this.db.query(sql, parameters);
    try {
      await query('BEGIN IMMEDIATE');
    } catch (cause) {
      throw new TradewindError('STORAGE_ERROR', `cannot start a transaction: ${(cause as Error).message}`, { cause });
    }
    let result: T;
    try {
      result = await fn(query);
    } catch (error) {
      await query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    try {
      await query('COMMIT');
    } catch (cause) {
      await query('ROLLBACK').catch(() => undefined);
      throw new TradewindError('STORAGE_ERROR', `commit failed: ${(cause as Error).message}`, { cause });
    }
    return result;
  }
}
