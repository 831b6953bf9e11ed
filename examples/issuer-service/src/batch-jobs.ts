import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TradewindError } from '@tradewind/core';
import type { BatchOptions, BatchProgress, BatchResult, InvalidRecord, IssueFormat } from '@tradewind/issuer';
import type { ServiceContext } from './context.js';
import type { ServiceIssue } from './errors.js';

/**
 * Where a job is. `interrupted`: stopped by a shutdown or by a storage failure; any
 * instance resumes it. `running`: an instance holds its lease (one whose lease has run
 * out died, and any instance resumes the job).
 */
export type BatchJobState = 'queued' | 'running' | 'completed' | 'failed' | 'interrupted';

/** The options a job was uploaded with (what the query string said, checked). */
export interface BatchJobOptions {
  type?: string[];
  format?: IssueFormat;
  status?: Array<'revocation' | 'suspension'>;
  validFrom?: string;
  validUntil?: string;
  context?: string[];
  requiredClaims?: string[];
  transactionSize?: number;
}

export interface BatchJob {
  id: string;
  state: BatchJobState;
  inputFormat: 'jsonl' | 'csv';
  inputBytes: number;
  options: BatchJobOptions;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** Runs so far (a resumed job has more than one). */
  runs: number;
  /** Valid records, once the input has been validated. */
  total: number | null;
  /** Credentials this job committed, over all its runs. */
  issued: number;
  /** Records issued before this job (by another upload of the same records), delivered to its file but not issued again. */
  skipped: number;
  invalidCount: number;
  /** Records the current run has handled (issued or skipped): a resumed run walks the input from its start again. */
  done: number;
  /** Bytes of the credentials file that hold whole, committed lines. */
  outputBytes: number;
  invalid: InvalidRecord[] | null;
  error: ServiceIssue | null;
  /** The service instance that holds the job's lease (while it runs), e.g. `host-a:4127:9f3c1e`. */
  leaseOwner: string | null;
  /** When that lease runs out (the database's clock), unless renewed. */
  leaseUntil: string | null;
}

interface JobRow {
  id: string;
  state: BatchJobState;
  input_format: 'jsonl' | 'csv';
  input_bytes: number;
  options: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  runs: number;
  total: number | null;
  issued: number;
  skipped: number;
  invalid_count: number;
  done: number;
  output_bytes: number;
  invalid: string | null;
  error: string | null;
  lease_owner: string | null;
  lease_until: number | string | null;
}

/** The jobs table, per engine (sizes and counts are BIGINT on PostgreSQL, whose INTEGER has 32 bits). */
export const BATCH_JOBS_MIGRATION = {
  sqlite: `
CREATE TABLE batch_jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'interrupted')),
  input_format TEXT NOT NULL CHECK (input_format IN ('jsonl', 'csv')),
  input_bytes INTEGER NOT NULL,
  options TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  runs INTEGER NOT NULL DEFAULT 0,
  total INTEGER,
  issued INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  invalid_count INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  output_bytes INTEGER NOT NULL DEFAULT 0,
  invalid TEXT,
  error TEXT
);
CREATE INDEX batch_jobs_state ON batch_jobs (state, seq);
`,
  postgres: `
CREATE TABLE batch_jobs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'interrupted')),
  input_format TEXT NOT NULL CHECK (input_format IN ('jsonl', 'csv')),
  input_bytes BIGINT NOT NULL,
  options TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  runs BIGINT NOT NULL DEFAULT 0,
  total BIGINT,
  issued BIGINT NOT NULL DEFAULT 0,
  skipped BIGINT NOT NULL DEFAULT 0,
  invalid_count BIGINT NOT NULL DEFAULT 0,
  done BIGINT NOT NULL DEFAULT 0,
  output_bytes BIGINT NOT NULL DEFAULT 0,
  invalid TEXT,
  error TEXT
);
CREATE INDEX batch_jobs_state ON batch_jobs (state, seq);
`,
};

/**
 * A job's lease: the instance running it (`lease_owner`) and until when (`lease_until`,
 * milliseconds since 1970 on the database's clock, so that instances whose clocks differ
 * agree on when a lease has run out).
 */
export const BATCH_JOBS_LEASE_MIGRATION = {
  sqlite: `
ALTER TABLE batch_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE batch_jobs ADD COLUMN lease_until BIGINT;
`,
  postgres: `
ALTER TABLE batch_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE batch_jobs ADD COLUMN lease_until BIGINT;
`,
};

/** The database's clock in milliseconds since 1970, per engine. */
const NOW_MS = {
  sqlite: `CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)`,
  postgres: `CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)`,
} as const;

/** Default lease of a running job, seconds. */
export const DEFAULT_BATCH_LEASE_SECONDS = 30;

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOB_FILE =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(?:input\.(?:jsonl|csv)|credentials\.jsonl)(\.[0-9a-f]+\.part)?$/;
// Log pages read to count what a job committed before a crash.
const LOG_PAGE = 100_000;
/**
 * A partial upload, or an input whose job row never committed, is removed at start only
 * when untouched for this long: with several instances on one folder, a younger one may be
 * an upload another instance is receiving right now.
 */
const STRAY_AGE_MS = 60 * 60 * 1000;
// Candidates read per look for a claimable job.
const CANDIDATES = 20;

function fromRow(row: JobRow): BatchJob {
  return {
    id: row.id,
    state: row.state,
    inputFormat: row.input_format,
    inputBytes: Number(row.input_bytes),
    options: JSON.parse(row.options) as BatchJobOptions,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    runs: Number(row.runs),
    total: row.total === null ? null : Number(row.total),
    issued: Number(row.issued),
    skipped: Number(row.skipped),
    invalidCount: Number(row.invalid_count),
    done: Number(row.done),
    outputBytes: Number(row.output_bytes),
    invalid: row.invalid === null ? null : (JSON.parse(row.invalid) as InvalidRecord[]),
    error: row.error === null ? null : (JSON.parse(row.error) as ServiceIssue),
    leaseOwner: row.lease_owner ?? null,
    leaseUntil: row.lease_until === null || row.lease_until === undefined ? null : new Date(Number(row.lease_until)).toISOString(),
  };
}

/** Where a service's batch jobs keep their files, and how long a running job's lease lasts. */
export interface BatchJobsOptions {
  /** The folder of the jobs' files: with several instances, one folder every instance mounts. */
  folder: string;
  /** How long a running job's lease lasts unless renewed, ms (renewed every third of it). */
  leaseMs: number;
  /** How often an idle instance looks for a job to run, ms (default: a third of the lease, at most 5 s). */
  pollMs?: number;
}

/**
 * Batch jobs: their rows in the service's state database, their files in a folder
 * (`<id>.input.jsonl|csv` as uploaded, `<id>.credentials.jsonl` as the issuer writes it),
 * and the runner that issues them in the background.
 *
 * Several instances may share one state database and one folder. Any instance accepts an
 * upload; a job is run by the instance that claims it: a conditional UPDATE of its row
 * that only one claimant can win (the row is claimable while it is queued or interrupted,
 * or running with a lease that has run out). The runner renews its lease (`lease_until`,
 * on the database's clock) every third of the lease, and stops at the next transaction
 * boundary when it cannot (the row names another owner, or the database did not answer
 * for two thirds of the lease). An instance that dies leaves the job `running` until its
 * lease runs out; then another instance, or the same one started again, resumes it.
 * Idle instances look for claimable jobs periodically; each instance runs one job at a
 * time.
 *
 * A job runs through `Issuer.issueBatch` with its job id as the batch id and its
 * credentials file as `outputPath`. A resumed run reads the same input into the same file:
 * records already committed are not issued again (their record keys are in the issuance
 * log), and the issuer writes to the file every committed credential it lacks and cuts a
 * torn last line, so the file ends with each credential once. {@link BatchJobs.shutdown}
 * aborts the batch's signal: the transaction under way commits and is written, no other
 * starts, and the job is marked `interrupted` with its lease released.
 */
export class BatchJobs {
  /** The folder of the jobs' files. */
  readonly folder: string;
  /** This instance's name in the jobs' `lease_owner`: host, process id and a random part. */
  readonly instance: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: string;
  private stopping = false;
  private wanted = false;
  private pumping: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** Jobs whose input this instance cannot find (a batch folder that is not shared): left to the others. */
  private readonly unreadable = new Set<string>();

  private constructor(
    private readonly ctx: ServiceContext,
    options: BatchJobsOptions,
  ) {
    this.folder = options.folder;
    this.leaseMs = options.leaseMs;
    this.pollMs = options.pollMs ?? Math.max(100, Math.min(5000, Math.floor(options.leaseMs / 3)));
    this.now = NOW_MS[ctx.state.engine];
    this.instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  /** The folder of the jobs' files: `batchFolder`, else `batch-jobs` beside the state database's file. */
  static folderOf(ctx: ServiceContext): string {
    return ctx.config.batchFolder ?? join(dirname(resolve(ctx.config.stateDatabase)), 'batch-jobs');
  }

  /** Creates the tables (when the store was opened without them) and the folder, removes stale partial uploads, and starts looking for jobs. */
  static async open(ctx: ServiceContext, options?: Partial<BatchJobsOptions>): Promise<BatchJobs> {
    await ctx.state.migrate('batch-jobs-1', BATCH_JOBS_MIGRATION);
    await ctx.state.migrate('batch-jobs-2', BATCH_JOBS_LEASE_MIGRATION);
    const folder = options?.folder ?? BatchJobs.folderOf(ctx);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const leaseMs = options?.leaseMs ?? (ctx.config.batchLeaseSeconds ?? DEFAULT_BATCH_LEASE_SECONDS) * 1000;
    const jobs = new BatchJobs(ctx, { folder, leaseMs, ...(options?.pollMs === undefined ? {} : { pollMs: options.pollMs }) });
    await jobs.removeStrayFiles();
    jobs.poller = setInterval(() => jobs.start(), jobs.pollMs);
    jobs.poller.unref();
    ctx.logger.info({ instance: jobs.instance, folder, leaseMs }, 'batch jobs: looking for work');
    return jobs;
  }

  inputPath(id: string, format: 'jsonl' | 'csv'): string {
    return join(this.folder, `${id}.input.${format}`);
  }

  outputPath(id: string): string {
    return join(this.folder, `${id}.credentials.jsonl`);
  }

  /** Records a job whose input file is in place, and starts the runner. */
  async add(job: { id: string; inputFormat: 'jsonl' | 'csv'; inputBytes: number; options: BatchJobOptions }): Promise<BatchJob> {
    const at = now();
    await write(
      this.ctx,
      `INSERT INTO batch_jobs (id, state, input_format, input_bytes, options, created_at, updated_at) VALUES (?, 'queued', ?, ?, ?, ?, ?)`,
      [job.id, job.inputFormat, job.inputBytes, JSON.stringify(job.options), at, at],
    );
    this.start();
    return (await this.get(job.id)) as BatchJob;
  }

  async get(id: string): Promise<BatchJob | undefined> {
    if (!ID.test(id)) return undefined;
    const row = await this.ctx.state.get<JobRow>('SELECT * FROM batch_jobs WHERE id = ?', [id]);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Newest first. */
  async list(limit: number, offset: number): Promise<BatchJob[]> {
    const rows = await this.ctx.state.all<JobRow>(
      `SELECT id, state, input_format, input_bytes, options, created_at, started_at, finished_at, updated_at, runs, total,
        issued, skipped, invalid_count, done, output_bytes, NULL AS invalid, error, lease_owner, lease_until
        FROM batch_jobs ORDER BY seq DESC LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    return rows.map(fromRow);
  }

  /**
   * Deletes a finished job (completed or failed): its row, its uploaded input and its
   * credentials file, which hold personal data. Answers what the job's state was, or
   * undefined for no such job; a job that is queued, running or interrupted is kept.
   */
  async remove(id: string): Promise<{ removed: boolean; state: BatchJobState } | undefined> {
    const job = await this.get(id);
    if (job === undefined) return undefined;
    if (job.state !== 'completed' && job.state !== 'failed') return { removed: false, state: job.state };
    const changed = await write(this.ctx, `DELETE FROM batch_jobs WHERE id = ? AND state IN ('completed', 'failed')`, [id]);
    if (changed === 0) return { removed: false, state: (await this.get(id))?.state ?? job.state };
    for (const path of [this.inputPath(id, job.inputFormat), this.outputPath(id)]) {
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    return { removed: true, state: job.state };
  }

  /** Runs claimable jobs (interrupted and expired first, then queued; oldest first), one at a time, until none is left or the service stops. */
  start(): void {
    if (this.stopping) return;
    this.wanted = true;
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /**
   * Stops the runner: the job under way stops after its current transaction commits and
   * is written, and is marked `interrupted` with its lease released (any instance resumes
   * it at once); queued jobs stay queued. Resolves once the job's row says so.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    this.controller?.abort();
    await this.pumping;
  }

  private async pump(): Promise<void> {
    while (!this.stopping) {
      this.wanted = false;
      let claimed: { job: BatchJob; crashed: boolean } | undefined;
      try {
        claimed = await this.claim();
      } catch (error) {
        this.ctx.logger.error({ err: describe(error) }, 'cannot read the batch jobs');
        return;
      }
      if (claimed === undefined) {
        if (this.wanted) continue;
        return;
      }
      await this.run(claimed.job, claimed.crashed);
    }
  }

  /** Claims the next claimable job for this instance; undefined when there is none (or others won them all). */
  private async claim(): Promise<{ job: BatchJob; crashed: boolean } | undefined> {
    const claimable = `state IN ('queued', 'interrupted', 'running') AND (lease_until IS NULL OR lease_until < ${this.now})`;
    const rows = await this.ctx.state.all<JobRow>(
      `SELECT * FROM batch_jobs WHERE ${claimable} ORDER BY state = 'queued', seq LIMIT ${CANDIDATES + this.unreadable.size}`,
    );
    for (const row of rows) {
      if (this.unreadable.has(row.id)) continue;
      // The row as read: its state and run count name this version of it, so a claim
      // changes nothing when another instance claimed (or finished) it since.
      const changed = await write(
        this.ctx,
        `UPDATE batch_jobs SET state = 'running', runs = runs + 1, lease_owner = ?, lease_until = ${this.now} + ?,
          started_at = COALESCE(started_at, ?), updated_at = ?, done = 0, error = NULL
          WHERE id = ? AND state = ? AND runs = ? AND ${claimable}`,
        [this.instance, this.leaseMs, now(), now(), row.id, row.state, Number(row.runs)],
      );
      // A run that died, or stopped on a storage failure, may have committed past what its row says.
      if (changed === 1)
        return { job: fromRow(row), crashed: row.state === 'running' || (row.state === 'interrupted' && row.error !== null) };
    }
    return undefined;
  }

  private async run(job: BatchJob, crashed: boolean): Promise<void> {
    const { ctx } = this;
    const log = ctx.logger.child({ batchJob: job.id, instance: this.instance });
    const resumed = job.runs > 0;
    const controller = new AbortController();
    this.controller = controller;
    if (this.stopping) controller.abort();
    const outputPath = this.outputPath(job.id);
    const inputPath = this.inputPath(job.id, job.inputFormat);
    const owned = `id = ? AND lease_owner = ?`;
    const lease = new Lease(ctx, job.id, this.instance, this.leaseMs, this.now, () => controller.abort());
    try {
      if (!(await exists(inputPath))) {
        await this.release(job, log);
        return;
      }
      lease.keep();
      // Credentials this job committed in its earlier runs: exact from the log after a
      // crash, whose last transaction may have committed after the row's last update. The
      // file's recorded length is dropped too: the issuer repairs the file (a torn line)
      // before the run's first progress records it again.
      const before = crashed ? await this.countLogged(job.id) : job.issued;
      await write(ctx, `UPDATE batch_jobs SET issued = ?, output_bytes = CASE WHEN ? THEN 0 ELSE output_bytes END WHERE ${owned}`, [
        before,
        crashed ? 1 : 0,
        job.id,
        this.instance,
      ]);
      log.info(
        { resumed, crashed, issuedBefore: before, previousOwner: crashed ? job.leaseOwner : undefined },
        resumed ? 'batch job resumed' : 'batch job started',
      );
      const progress = new ProgressWriter(ctx, job.id, this.instance, before, outputPath, lease, this.now);
      const options: BatchOptions = {
        ...job.options,
        issuer: ctx.did,
        batchId: job.id,
        outputPath,
        signal: controller.signal,
        onProgress: (p) => progress.note(p),
      };
      let result: BatchResult;
      try {
        result = await ctx.issuer.issueBatch({ path: inputPath, format: job.inputFormat }, options);
      } finally {
        await progress.flush();
        lease.stop();
      }
      const state: BatchJobState = result.stopped ? 'interrupted' : 'completed';
      const handled = result.issued + result.skipped;
      // Stopped while validating: the totals are of part of the input only; keep what was known.
      const known = !result.stopped || handled > 0;
      const issued = before + result.issued;
      const skipped = Math.max(0, result.skipped - before);
      if (lease.lost) {
        log.warn({ issuedThisRun: result.issued }, 'batch job stopped: its lease was lost, another instance resumes it');
        return;
      }
      const recorded = await write(
        ctx,
        `UPDATE batch_jobs SET state = ?, finished_at = ?, updated_at = ?, issued = ?, skipped = ?, done = ?, output_bytes = ?,
          total = CASE WHEN ? THEN ? ELSE total END, invalid_count = CASE WHEN ? THEN ? ELSE invalid_count END,
          invalid = CASE WHEN ? THEN ? ELSE invalid END, lease_owner = NULL, lease_until = NULL WHERE ${owned}`,
        [
          state,
          state === 'completed' ? now() : null,
          now(),
          issued,
          skipped,
          handled,
          await fileSize(outputPath),
          known ? 1 : 0,
          result.total,
          known ? 1 : 0,
          result.invalidCount,
          known ? 1 : 0,
          JSON.stringify(result.invalid),
          job.id,
          this.instance,
        ],
      );
      if (recorded === 0) {
        log.warn('batch job stopped: another instance took it over');
        return;
      }
      log.info(
        { state, total: result.total, issued, skipped, reemitted: result.reemitted, invalid: result.invalidCount },
        `batch job ${state}`,
      );
      // A completed job needs its extract no more (it holds personal data); an interrupted
      // one resumes from it, a failed one is kept for the agency to look into.
      if (state === 'completed') await unlink(inputPath).catch(() => undefined);
    } catch (error) {
      lease.stop();
      const issue: ServiceIssue =
        error instanceof TradewindError
          ? { code: error.code, message: error.message }
          : { code: 'UNEXPECTED', message: 'the batch stopped on an internal error' };
      if (lease.lost) {
        log.warn({ err: describe(error) }, 'batch job stopped: its lease was lost, another instance resumes it');
        return;
      }
      // A storage failure (the database or the folder unreachable for a while) leaves the job
      // to be resumed, by any instance, once a lease's time has passed; anything else fails it.
      const retry = error instanceof TradewindError && error.code === 'STORAGE_ERROR';
      log.error({ err: describe(error), retry }, retry ? 'batch job stopped on a storage failure; it resumes later' : 'batch job failed');
      await write(
        ctx,
        retry
          ? `UPDATE batch_jobs SET state = 'interrupted', updated_at = ?, output_bytes = ?, error = ?, lease_owner = NULL,
              lease_until = ${this.now} + ? WHERE ${owned}`
          : `UPDATE batch_jobs SET state = 'failed', finished_at = ?, updated_at = ?, output_bytes = ?, error = ?, lease_owner = NULL,
              lease_until = NULL WHERE ${owned}`,
        retry
          ? [now(), await fileSize(outputPath), JSON.stringify(issue), this.leaseMs, job.id, this.instance]
          : [now(), now(), await fileSize(outputPath), JSON.stringify(issue), job.id, this.instance],
      ).catch((e: unknown) => log.error({ err: describe(e) }, 'cannot record the stopped batch job'));
    } finally {
      lease.stop();
      this.controller = undefined;
    }
  }

  /**
   * Gives a claimed job back, as it was, when its input is not in this instance's folder:
   * the folder is not the one the instance that accepted the upload wrote to (every
   * instance must mount the same folder). Other instances may still run it.
   */
  private async release(job: BatchJob, log: ServiceContext['logger']): Promise<void> {
    this.unreadable.add(job.id);
    log.error(
      { folder: this.folder },
      'batch job input not found in this instance’s batch folder: every instance must mount the same batchFolder; left to the others',
    );
    await write(
      this.ctx,
      `UPDATE batch_jobs SET state = ?, runs = runs - 1, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`,
      [job.state === 'running' ? 'interrupted' : job.state, now(), job.id, this.instance],
    );
  }

  private async countLogged(batchId: string): Promise<number> {
    let count = 0;
    for (;;) {
      const page = await this.ctx.issuer.log({ batchId, limit: LOG_PAGE, offset: count });
      count += page.length;
      if (page.length < LOG_PAGE) return count;
    }
  }

  // Partial uploads, and inputs whose job row never committed (a crash between the two),
  // once they have been left alone long enough not to be an upload under way elsewhere.
  private async removeStrayFiles(): Promise<void> {
    const known = new Set((await this.ctx.state.all<{ id: string }>('SELECT id FROM batch_jobs')).map((r) => r.id));
    const before = Date.now() - STRAY_AGE_MS;
    for (const name of await readdir(this.folder)) {
      const m = JOB_FILE.exec(name);
      if (m === null) continue;
      if (m[2] === undefined && known.has(m[1] as string)) continue;
      const path = join(this.folder, name);
      const modified = await stat(path).then(
        (s) => s.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      // A job row may have committed since the list above was read: look again before removing an input.
      if (modified < before && (m[2] !== undefined || (await this.get(m[1] as string)) === undefined))
        await unlink(path).catch(() => undefined);
    }
  }
}

/**
 * A running job's lease: renewed every third of its length with a conditional UPDATE
 * (`lease_owner` must still be this instance). When the row names another owner, or no
 * renewal has succeeded for two thirds of the lease (the database unreachable: the lease
 * may run out before it answers again), the lease counts as lost and `onLost` stops the
 * batch at its next transaction boundary.
 */
class Lease {
  lost = false;
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private renewedAt = performance.now();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly id: string,
    private readonly owner: string,
    /** Length of the lease, ms. */
    readonly leaseMs: number,
    private readonly nowSql: string,
    private readonly onLost: () => void,
  ) {}

  keep(): void {
    this.renewedAt = performance.now();
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The result of a write that renewed the lease (1: renewed; 0: the row names another owner). */
  noteRenewal(changed: number): void {
    if (changed === 1) this.renewedAt = performance.now();
    else this.lose('another instance holds the lease');
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.lost) return;
    this.renewing = true;
    try {
      const changed = await write(this.ctx, `UPDATE batch_jobs SET lease_until = ${this.nowSql} + ? WHERE id = ? AND lease_owner = ?`, [
        this.leaseMs,
        this.id,
        this.owner,
      ]);
      this.noteRenewal(changed);
    } catch (error) {
      if (performance.now() - this.renewedAt > (this.leaseMs * 2) / 3) this.lose('the lease could not be renewed in time');
      else this.ctx.logger.warn({ batchJob: this.id, err: describe(error) }, 'cannot renew the batch job lease; trying again');
    } finally {
      this.renewing = false;
    }
  }

  private lose(why: string): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    this.ctx.logger.warn(
      { batchJob: this.id, instance: this.owner },
      `batch job lease lost (${why}): stopping at the next transaction boundary`,
    );
    this.onLost();
  }
}

/**
 * Writes a running job's progress to its row: one write at a time, the latest progress
 * winning (a batch of small transactions outruns the row); each write renews the lease
 * too. The credentials file's size is taken when the issuer reports progress — right
 * after a transaction's lines are flushed, before the next write begins — so it always
 * ends on a whole line.
 */
class ProgressWriter {
  private latest: { p: BatchProgress; bytes: number } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly id: string,
    private readonly owner: string,
    private readonly before: number,
    private readonly outputPath: string,
    private readonly lease: Lease,
    private readonly nowSql: string,
  ) {}

  note(p: BatchProgress): void {
    let bytes = 0;
    try {
      bytes = statSync(this.outputPath).size;
    } catch {
      // no file yet
    }
    this.latest = { p, bytes };
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.latest) {
      const { p, bytes } = this.latest;
      this.latest = undefined;
      if (this.lease.lost) continue;
      await write(
        this.ctx,
        `UPDATE batch_jobs SET total = ?, issued = ?, skipped = ?, invalid_count = ?, done = ?, output_bytes = ?, updated_at = ?,
          lease_until = ${this.nowSql} + ? WHERE id = ? AND lease_owner = ?`,
        [
          p.total,
          this.before + p.issued,
          Math.max(0, p.skipped - this.before),
          p.invalid,
          p.done,
          bytes,
          now(),
          this.lease.leaseMs,
          this.id,
          this.owner,
        ],
      ).then(
        (changed) => this.lease.noteRenewal(changed),
        (error: unknown) => this.ctx.logger.warn({ batchJob: this.id, err: describe(error) }, 'cannot record batch progress'),
      );
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new TradewindError('STORAGE_ERROR', `cannot read ${path}`, { cause: error });
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * One statement in a transaction of its own. On SQLite the state database has one
 * connection: a statement run outside the store's transaction queue could land inside
 * another module's open transaction and be rolled back with it.
 */
function write(ctx: ServiceContext, sql: string, params: unknown[]): Promise<number> {
  return ctx.state.transaction(() => ctx.state.run(sql, params));
}

function now(): string {
  return new Date().toISOString();
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, code: (error as { code?: unknown }).code, message: error.message };
  return { value: typeof error };
}
