import { statSync } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { TradewindError } from '@tradewind/core';
import type { BatchOptions, BatchProgress, BatchResult, InvalidRecord, IssueFormat } from '@tradewind/issuer';
import type { ServiceContext } from './context.js';
import type { ServiceIssue } from './errors.js';

/** Where a job is. `interrupted`: stopped by a shutdown (or found running after a crash); it resumes on the next start. */
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

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOB_FILE =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(?:input\.(?:jsonl|csv)|credentials\.jsonl)(\.[0-9a-f]+\.part)?$/;
// Log pages read to count what a job committed before a crash.
const LOG_PAGE = 100_000;

function fromRow(row: JobRow): BatchJob {
  return {
    id: row.id,
    state: row.state,
    inputFormat: row.input_format,
    inputBytes: row.input_bytes,
    options: JSON.parse(row.options) as BatchJobOptions,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    runs: row.runs,
    total: row.total,
    issued: row.issued,
    skipped: row.skipped,
    invalidCount: row.invalid_count,
    done: row.done,
    outputBytes: row.output_bytes,
    invalid: row.invalid === null ? null : (JSON.parse(row.invalid) as InvalidRecord[]),
    error: row.error === null ? null : (JSON.parse(row.error) as ServiceIssue),
  };
}

/**
 * Batch jobs: their rows in the service's state database, their files in a folder beside
 * it (`<id>.input.jsonl|csv` as uploaded, `<id>.credentials.jsonl` as the issuer writes
 * it), and the runner that issues them one at a time in the background.
 *
 * A job runs through `Issuer.issueBatch` with its job id as the batch id and its
 * credentials file as `outputPath`. {@link BatchJobs.shutdown} aborts the batch's signal:
 * the transaction under way commits and is written, no other starts, and the job is
 * marked `interrupted`. The next start runs interrupted (and queued) jobs again on the
 * same input and file: records already committed are not issued again, and the issuer
 * writes to the file every committed credential it lacks (a crash between a commit and
 * its write), so the file ends with each credential once.
 */
export class BatchJobs {
  /** The folder of the jobs' files. */
  readonly folder: string;
  private stopping = false;
  private wanted = false;
  private pumping: Promise<void> | undefined;
  private controller: AbortController | undefined;

  private constructor(
    private readonly ctx: ServiceContext,
    folder: string,
    /** Jobs found `running`: the process that ran them died; their counts are recomputed from the log. */
    private readonly crashed: Set<string>,
  ) {
    this.folder = folder;
  }

  /** Creates the table and the folder, marks jobs a dead process left running as interrupted, and removes partial uploads. */
  static async open(ctx: ServiceContext): Promise<BatchJobs> {
    await ctx.state.migrate('batch-jobs-1', BATCH_JOBS_MIGRATION);
    const folder = ctx.config.batchFolder ?? join(dirname(resolve(ctx.config.stateDatabase)), 'batch-jobs');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const running = await ctx.state.all<{ id: string }>(`SELECT id FROM batch_jobs WHERE state = 'running'`);
    if (running.length > 0) {
      await write(ctx, `UPDATE batch_jobs SET state = 'interrupted', updated_at = ? WHERE state = 'running'`, [now()]);
      ctx.logger.warn({ jobs: running.length }, 'batch jobs left running by a stopped process will resume');
    }
    const jobs = new BatchJobs(ctx, folder, new Set(running.map((r) => r.id)));
    await jobs.removeStrayFiles();
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
        issued, skipped, invalid_count, done, output_bytes, NULL AS invalid, error FROM batch_jobs ORDER BY seq DESC LIMIT ? OFFSET ?`,
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

  /** Runs queued and interrupted jobs, oldest first, one at a time, until none is left or the service stops. */
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
   * is written, and is marked `interrupted`; queued jobs stay queued. Resolves once the
   * job's row says so.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.controller?.abort();
    await this.pumping;
  }

  private async pump(): Promise<void> {
    while (!this.stopping) {
      this.wanted = false;
      let row: JobRow | undefined;
      try {
        row = await this.ctx.state.get<JobRow>(
          `SELECT * FROM batch_jobs WHERE state IN ('interrupted', 'queued') ORDER BY state = 'queued', seq LIMIT 1`,
        );
      } catch (error) {
        this.ctx.logger.error({ err: describe(error) }, 'cannot read the batch jobs');
        return;
      }
      if (row === undefined) {
        if (this.wanted) continue;
        return;
      }
      await this.run(fromRow(row));
    }
  }

  private async run(job: BatchJob): Promise<void> {
    const { ctx } = this;
    const log = ctx.logger.child({ batchJob: job.id });
    const resumed = job.runs > 0;
    const controller = new AbortController();
    this.controller = controller;
    if (this.stopping) controller.abort();
    const outputPath = this.outputPath(job.id);
    try {
      // Credentials this job committed in its earlier runs: exact from the log after a
      // crash, whose last transaction may have committed after the row's last update. The
      // file's recorded length is dropped too: the issuer repairs the file (a torn line)
      // before the run's first progress records it again.
      const crashed = this.crashed.delete(job.id);
      const before = crashed ? await this.countLogged(job.id) : job.issued;
      await write(
        ctx,
        `UPDATE batch_jobs SET state = 'running', runs = runs + 1, started_at = COALESCE(started_at, ?), updated_at = ?, done = 0, issued = ?,
          output_bytes = CASE WHEN ? THEN 0 ELSE output_bytes END, error = NULL WHERE id = ?`,
        [now(), now(), before, crashed ? 1 : 0, job.id],
      );
      log.info({ resumed, issuedBefore: before }, resumed ? 'batch job resumed' : 'batch job started');
      const progress = new ProgressWriter(ctx, job.id, before, outputPath);
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
        result = await ctx.issuer.issueBatch({ path: this.inputPath(job.id, job.inputFormat), format: job.inputFormat }, options);
      } finally {
        await progress.flush();
      }
      const state: BatchJobState = result.stopped ? 'interrupted' : 'completed';
      const handled = result.issued + result.skipped;
      // Stopped while validating: the totals are of part of the input only; keep what was known.
      const known = !result.stopped || handled > 0;
      const issued = before + result.issued;
      const skipped = Math.max(0, result.skipped - before);
      await write(
        ctx,
        `UPDATE batch_jobs SET state = ?, finished_at = ?, updated_at = ?, issued = ?, skipped = ?, done = ?, output_bytes = ?,
          total = CASE WHEN ? THEN ? ELSE total END, invalid_count = CASE WHEN ? THEN ? ELSE invalid_count END,
          invalid = CASE WHEN ? THEN ? ELSE invalid END WHERE id = ?`,
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
        ],
      );
      log.info(
        { state, total: result.total, issued, skipped, reemitted: result.reemitted, invalid: result.invalidCount },
        `batch job ${state}`,
      );
      // A completed job needs its extract no more (it holds personal data); an interrupted
      // one resumes from it, a failed one is kept for the agency to look into.
      if (state === 'completed') await unlink(this.inputPath(job.id, job.inputFormat)).catch(() => undefined);
    } catch (error) {
      const issue: ServiceIssue =
        error instanceof TradewindError
          ? { code: error.code, message: error.message }
          : { code: 'UNEXPECTED', message: 'the batch stopped on an internal error' };
      log.error({ err: describe(error) }, 'batch job failed');
      await write(
        ctx,
        `UPDATE batch_jobs SET state = 'failed', finished_at = ?, updated_at = ?, output_bytes = ?, error = ? WHERE id = ?`,
        [now(), now(), await fileSize(outputPath), JSON.stringify(issue), job.id],
      ).catch((e: unknown) => log.error({ err: describe(e) }, 'cannot record the failed batch job'));
    } finally {
      this.controller = undefined;
    }
  }

  private async countLogged(batchId: string): Promise<number> {
    let count = 0;
    for (;;) {
      const page = await this.ctx.issuer.log({ batchId, limit: LOG_PAGE, offset: count });
      count += page.length;
      if (page.length < LOG_PAGE) return count;
    }
  }

  // Partial uploads, and inputs whose job row never committed (a crash between the two).
  private async removeStrayFiles(): Promise<void> {
    const known = new Set((await this.ctx.state.all<{ id: string }>('SELECT id FROM batch_jobs')).map((r) => r.id));
    for (const name of await readdir(this.folder)) {
      const m = JOB_FILE.exec(name);
      if (m === null) continue;
      if (m[2] !== undefined || !known.has(m[1] as string)) await unlink(join(this.folder, name)).catch(() => undefined);
    }
  }
}

/**
 * Writes a running job's progress to its row: one write at a time, the latest progress
 * winning (a batch of small transactions outruns the row). The credentials file's size is
 * taken when the issuer reports progress — right after a transaction's lines are flushed,
 * before the next write begins — so it always ends on a whole line.
 */
class ProgressWriter {
  private latest: { p: BatchProgress; bytes: number } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly id: string,
    private readonly before: number,
    private readonly outputPath: string,
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
      await write(
        this.ctx,
        `UPDATE batch_jobs SET total = ?, issued = ?, skipped = ?, invalid_count = ?, done = ?, output_bytes = ?, updated_at = ? WHERE id = ? AND state = 'running'`,
        [p.total, this.before + p.issued, Math.max(0, p.skipped - this.before), p.invalid, p.done, bytes, now(), this.id],
      ).catch((error: unknown) => this.ctx.logger.warn({ batchJob: this.id, err: describe(error) }, 'cannot record batch progress'));
    }
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
 * One statement in a transaction of its own. The state database has one connection: a
 * statement run outside the store's transaction queue could land inside another module's
 * open transaction and be rolled back with it.
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
