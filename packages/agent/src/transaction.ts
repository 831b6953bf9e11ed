import { TradewindError } from '@tradewind/core';
import type { DataSource } from 'typeorm';
import { asStorageFailure, isRetryableConflict, type Pool, type PoolClient, toPostgresPlaceholders } from './database.js';

/**
 * Runs a SQL statement (inside a transaction when given by one) and resolves with its
 * rows. Statements use `?` placeholders on both engines.
 */
export type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/** Transactions on one database. */
export interface Transactions {
  /** Runs `fn` in one all-or-nothing transaction; rolls back if it throws. */
  run<T>(fn: (query: Query) => Promise<T>): Promise<T>;
  /** Runs `fn` without opening a transaction, after the transactions of this process it must not interleave with. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Serialises write transactions on one SQLite connection and takes the database write
 * lock up front (`BEGIN IMMEDIATE`), so that concurrent processes queue on
 * `busy_timeout` instead of failing when a read transaction tries to become a writer.
 */
export class TransactionRunner implements Transactions {
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

/** How many times a transaction that lost a deadlock or serialization conflict is run again. */
const CONFLICT_RETRIES = 3;

/**
 * Transactions on PostgreSQL: each on a pooled connection of its own (READ COMMITTED),
 * so transactions of this process and of other instances run concurrently; mutual
 * exclusion comes from row locks, constraints and advisory locks in the statements.
 * A transaction that loses a deadlock or a serialization conflict (40P01, 40001) is
 * rolled back and run again, up to 3 times.
 */
export class PostgresTransactions implements Transactions {
  constructor(
    private readonly pool: Pool,
    private readonly location: string,
  ) {}

  async run<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (error) {
        const conflict = isRetryableConflict(error) || isRetryableConflict((error as { cause?: unknown } | null)?.cause);
        if (!conflict || attempt >= CONFLICT_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  private async once<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (cause) {
      throw asStorageFailure(cause, 'cannot start a transaction', this.location);
    }
    let broken = false;
    // A connection that drops while checked out emits 'error' on the client (the pool
    // listens only to idle ones): without a listener that would end the process. The
    // statement in flight fails on its own; the connection is thrown away at release.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    const query: Query = async (sql, parameters) => {
      try {
        return (await client.query(toPostgresPlaceholders(sql), parameters as unknown[] | undefined)).rows;
      } catch (error) {
        if (isConnectionGone(error)) broken = true;
        throw error;
      }
    };
    try {
      try {
        await client.query('BEGIN');
      } catch (cause) {
        broken = true;
        throw asStorageFailure(cause, 'cannot start a transaction', this.location);
      }
      let result: T;
      try {
        result = await fn(query);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
      try {
        await client.query('COMMIT');
      } catch (cause) {
        broken = true;
        await client.query('ROLLBACK').catch(() => undefined);
        throw asStorageFailure(cause, 'commit failed', this.location);
      }
      return result;
    } finally {
      // A connection that failed mid-transaction is thrown away, not handed to the next one.
      client.removeListener('error', onError);
      client.release(broken ? true : undefined);
    }
  }
}

function isConnectionGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^08/.test(code) || /^57P0/.test(code) || /^E[A-Z]+$/.test(code));
}
