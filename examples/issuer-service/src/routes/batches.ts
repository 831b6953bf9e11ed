import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { TradewindError } from '@tradewind/core';
import type { InvalidRecord } from '@tradewind/issuer';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requireAdmin } from '../auth.js';
import { type BatchJob, type BatchJobOptions, BatchJobs } from '../batch-jobs.js';
import { receiveUpload } from '../batch-upload.js';
import type { ServiceContext, ServiceModule } from '../context.js';
import { HttpError, type ServiceIssue } from '../errors.js';

const MEDIA_TYPES: Record<string, 'jsonl' | 'csv'> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'text/csv': 'csv',
};

// A type name as a credential's `type` carries it: a term or a URL, no spaces or commas.
const typeName = z.string().regex(/^[^\s,]{1,200}$/, 'a type is a term or a URL without spaces');
const dateTime = z.iso.datetime({ offset: true, message: 'an RFC 3339 date-time with a time zone, e.g. 2030-01-01T00:00:00Z' });

/** The batch options an upload's query string may carry (lists: repeated or comma-separated). */
const batchQuery = z.strictObject({
  type: z.array(typeName).min(1).max(16).optional(),
  format: z.enum(['vc+jwt', 'jwt_vc']).optional(),
  status: z
    .array(z.enum(['revocation', 'suspension']))
    .max(2)
    .optional(),
  validFrom: dateTime.optional(),
  validUntil: dateTime.optional(),
  context: z
    .array(z.url({ message: 'a context is a URL' }))
    .max(16)
    .optional(),
  requiredClaims: z
    .array(z.string().regex(/^[^.\s,]+(?:\.[^.\s,]+)*$/, 'a claim name, or a dot path for a nested claim'))
    .max(64)
    .optional(),
  transactionSize: z.coerce.number().int().min(1).max(10_000).optional(),
});
const LIST_OPTIONS = new Set(['type', 'status', 'context', 'requiredClaims']);

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * The service's batch issuance from uploaded JSONL or CSV, with progress and a report.
 *
 * - `POST /batches` (admin): the body is the registry extract (`application/x-ndjson` or
 *   `application/jsonl` for JSONL, `text/csv` for CSV), at most `limits.batchBytes`;
 *   batch options in the query string. → 202 `{ id, status: 'queued', links }`.
 * - `GET /batches` (admin): jobs, newest first (`limit`, `offset`).
 * - `GET /batches/:id` (admin): state, counts, progress, times, invalid records.
 * - `GET /batches/:id/credentials` (admin): the credentials issued so far, JSONL.
 * - `DELETE /batches/:id` (admin): a completed or failed job, with its files → 204; 409 otherwise.
 *
 * Jobs run in the background, one at a time per instance; several instances on one state
 * database and one batch folder share the jobs (see {@link BatchJobs}): any of them answers
 * every route for every job. `shutdown()` stops the job under way at a transaction
 * boundary (marked `interrupted`), and any instance resumes it.
 */
export async function createBatchModule(ctx: ServiceContext): Promise<ServiceModule> {
  const jobs = await BatchJobs.open(ctx);
  const routes = new Hono();
  const admin = requireAdmin(ctx.config.adminKeyHashes);
  routes.use('/batches', admin);
  routes.use('/batches/*', admin);

  routes.post('/batches', (c) =>
    ctx.track(async () => {
      const id = randomUUID();
      let inputFormat: 'jsonl' | 'csv';
      let options: BatchJobOptions;
      let inputBytes: number;
      try {
        inputFormat = mediaFormat(c.req.header('content-type'), c.req.header('content-encoding'));
        options = readBatchQuery(c);
        await checkOptions(ctx, inputFormat, options);
        inputBytes = await receiveUpload(
          c.req.raw.body,
          c.req.header('content-length'),
          jobs.inputPath(id, inputFormat),
          ctx.config.limits.batchBytes,
        );
      } catch (error) {
        // Refused before the whole body was read: the rest of it is not read either, so the
        // connection cannot carry another request.
        c.header('Connection', 'close');
        throw error;
      }
      const job = await jobs.add({ id, inputFormat, inputBytes, options }).catch(async (error: unknown) => {
        await unlink(jobs.inputPath(id, inputFormat)).catch(() => undefined);
        throw error;
      });
      ctx.logger.info({ batchJob: id, inputFormat, inputBytes }, 'batch job queued');
      c.header('Location', links(ctx, id).self);
      return c.json({ id, status: job.state, links: links(ctx, id) }, 202);
    }),
  );

  routes.get('/batches', async (c) => {
    const { limit, offset } = parse(listQuery, scalarQuery(c));
    const list = await jobs.list(limit, offset);
    return c.json({ batches: list.map((job) => describeJob(ctx, job, false)), limit, offset });
  });

  routes.get('/batches/:id', async (c) => {
    const job = await jobs.get(c.req.param('id'));
    if (job === undefined) throw notFound();
    return c.json(describeJob(ctx, job, true));
  });

  routes.get('/batches/:id/credentials', async (c) => {
    const job = await jobs.get(c.req.param('id'));
    if (job === undefined) throw notFound();
    c.header('Content-Type', 'application/jsonl');
    c.header('Cache-Control', 'no-store');
    c.header('X-Batch-Status', job.state);
    // Only the bytes the job has recorded as whole, committed lines (a run may be appending past them).
    const bytes = Math.min(job.outputBytes, await fileSize(jobs.outputPath(job.id)));
    if (bytes === 0) return c.body(null, 200);
    const stream = createReadStream(jobs.outputPath(job.id), { start: 0, end: bytes - 1 });
    c.header('Content-Length', String(bytes));
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 200);
  });

  routes.delete('/batches/:id', async (c) => {
    const outcome = await jobs.remove(c.req.param('id'));
    if (outcome === undefined) throw notFound();
    if (!outcome.removed)
      throw new HttpError(409, 'INVALID_ARGUMENT', `the batch job is ${outcome.state}: only a completed or failed job can be deleted`);
    ctx.logger.info({ batchJob: c.req.param('id') }, 'batch job deleted');
    return c.body(null, 204);
  });

  // Jobs left queued or interrupted (or running under a lease that ran out) go on now.
  jobs.start();
  return { routes, shutdown: () => jobs.shutdown() };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function notFound(): HttpError {
  return new HttpError(404, 'NOT_FOUND', 'no batch job with that id');
}

function mediaFormat(contentType: string | undefined, contentEncoding: string | undefined): 'jsonl' | 'csv' {
  const [type = '', ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const format = MEDIA_TYPES[type];
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  // A compressed body would be stored, and read as records, compressed.
  const encoded = contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity';
  if (format === undefined || encoded || (charset !== undefined && charset.replace(/"/g, '') !== 'utf-8')) {
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'a batch is uploaded as application/x-ndjson or application/jsonl (JSONL) or text/csv (CSV), in UTF-8, without a content encoding',
    );
  }
  return format;
}

// Query values by name: every value of the list options (repeated and comma-separated), one of the others.
function readBatchQuery(c: Context): BatchJobOptions {
  const given = c.req.queries();
  const value: Record<string, unknown> = {};
  const issues: ServiceIssue[] = [];
  for (const [name, values] of Object.entries(given)) {
    if (LIST_OPTIONS.has(name)) {
      const items = values.flatMap((v) => v.split(',')).map((v) => v.trim());
      // `status=none` (or `status=`): credentials without a status entry.
      value[name] = name === 'status' && items.every((v) => v === '' || v === 'none') ? [] : items;
    } else if (values.length > 1) {
      issues.push({ code: 'MALFORMED', message: `query parameter ${name} is given more than once`, path: `/${name}` });
    } else value[name] = values[0];
  }
  if (issues.length > 0) throw new HttpError(400, 'MALFORMED', issues.map((i) => i.message).join('; '), issues);
  const options = parse(batchQuery, value);
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as BatchJobOptions;
}

function scalarQuery(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) throw new HttpError(400, 'MALFORMED', `query parameter ${name} is given more than once`);
    out[name] = values[0] as string;
  }
  return out;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const pointer = (path: PropertyKey[]) => path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  const issues: ServiceIssue[] = parsed.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ code: 'MALFORMED' as const, message: `unknown query parameter ${key}`, path: pointer([...i.path, key]) }))
      : [{ code: 'MALFORMED' as const, message: i.message, path: pointer(i.path) || undefined }],
  );
  throw new HttpError(
    400,
    'MALFORMED',
    issues.map((i) => `${i.path ?? '/'}: ${i.message}`).join('; '),
    issues.map((i) => (i.path === undefined ? { code: i.code, message: i.message } : i)),
  );
}

// The issuer checks the options as it would for the batch (a dry run on no records), so a
// bad combination is refused before the upload is read rather than failing the job later.
async function checkOptions(ctx: ServiceContext, format: 'jsonl' | 'csv', options: BatchJobOptions): Promise<void> {
  try {
    await ctx.issuer.issueBatch({ text: '', format }, { ...options, issuer: ctx.did, dryRun: true });
  } catch (error) {
    if (!(error instanceof TradewindError) || error.code !== 'INVALID_ARGUMENT') throw error;
    const cause = error.cause instanceof TradewindError ? error.cause : undefined;
    const path = error.path ?? cause?.path;
    throw new HttpError(400, 'INVALID_ARGUMENT', error.message, [
      path === undefined
        ? { code: 'INVALID_ARGUMENT', message: error.message }
        : { code: 'INVALID_ARGUMENT', message: error.message, path },
    ]);
  }
}

function links(ctx: ServiceContext, id: string): { self: string; credentials: string } {
  const self = `${ctx.config.baseUrl.replace(/\/+$/, '')}/batches/${id}`;
  return { self, credentials: `${self}/credentials` };
}

/** A job as the API shows it; `report` adds the invalid records. */
function describeJob(ctx: ServiceContext, job: BatchJob, report: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: job.id,
    status: job.state,
    input: { format: job.inputFormat, bytes: job.inputBytes },
    options: job.options,
    counts: { total: job.total, issued: job.issued, skipped: job.skipped, invalid: job.invalidCount },
    progress: { done: job.done, total: job.total },
    runs: job.runs,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
    links: links(ctx, job.id),
  };
  if (job.error !== null) out.error = job.error;
  // The instance running the job, and until when its lease holds unless renewed.
  if (job.leaseOwner !== null) out.lease = { instance: job.leaseOwner, until: job.leaseUntil };
  if (report) {
    const invalid = job.invalid ?? [];
    out.invalid = invalid.map(reportLine);
    // The issuer lists the first 10,000 invalid records and counts them all.
    if (job.invalidCount > invalid.length) out.invalidListed = invalid.length;
  }
  return out;
}

/** An invalid record: its line and every problem found in it, each with a code, a message and the path at fault. */
function reportLine(record: InvalidRecord): { line: number; errors: ServiceIssue[] } {
  const problems: ServiceIssue[] =
    record.issues && record.issues.length > 0
      ? record.issues.map((i) => ({ code: i.code, message: i.message, ...(i.path === undefined ? {} : { path: i.path }) }))
      : [{ code: record.code, message: record.reason, ...(record.path === undefined ? {} : { path: record.path }) }];
  return { line: record.line, errors: problems };
}
