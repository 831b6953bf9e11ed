// The built service as an agency runs it (bin/issuer-service.js over dist/: build first),
// stopped with SIGTERM in the middle of a batch, then started again.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIssuer } from '@tradewind/issuer';
import { afterAll, describe, expect, it } from 'vitest';
import { newAdminKey } from '../src/auth.js';
import { StateStore } from '../src/state-store.js';
import { freePort, SECRET, TEST_KDF } from './helpers.js';

const bin = fileURLToPath(new URL('../bin/issuer-service.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
const COUNT = 5000;

interface Service {
  process: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

async function startProcess(dir: string): Promise<Service> {
  const child = spawn(process.execPath, [bin, '--config', join(dir, 'service.json')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(String(chunk));
      text += String(chunk);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) resolve(m[1] as string);
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
    exited.then((code) => reject(new Error(`the service exited (${code}) before listening:\n${output.join('')}`)));
  });
  return { process: child, url, output, exited };
}

interface JobView {
  status: string;
  counts: { total: number | null; issued: number; skipped: number; invalid: number };
  progress: { done: number; total: number | null };
  runs: number;
  error?: unknown;
}

describe.skipIf(!built)('SIGTERM or SIGKILL during a batch (node bin/issuer-service.js)', () => {
  const admin = newAdminKey();
  const auth = { authorization: `Bearer ${admin.key}` };
  const dirs: string[] = [];
  let running: Service | undefined;

  // A service folder with its config file (relative paths: read from the file's folder).
  async function prepare(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'tw-issuer-service-sigterm-'));
    dirs.push(dir);
    const port = await freePort();
    writeFileSync(
      join(dir, 'service.json'),
      JSON.stringify({
        port,
        baseUrl: `http://127.0.0.1:${port}`,
        database: 'issuer.db',
        stateDatabase: 'state.db',
        secret: SECRET,
        adminKeyHashes: [admin.hash],
        allowInsecureHttp: true,
        kdf: TEST_KDF,
        logLevel: 'info',
        // A killed process's job is resumed once its lease has run out.
        batchLeaseSeconds: 2,
      }),
    );
    return dir;
  }

  afterAll(async () => {
    if (running && running.process.exitCode === null && running.process.signalCode === null) {
      running.process.kill('SIGKILL');
      await running.exited;
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const job = async (url: string, id: string): Promise<JobView> => {
    const res = await fetch(`${url}/batches/${id}`, { headers: auth });
    expect(res.status).toBe(200);
    return (await res.json()) as JobView;
  };
  const until = async (url: string, id: string, done: (j: JobView) => boolean): Promise<JobView> => {
    for (;;) {
      const j = await job(url, id);
      if (done(j)) return j;
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const upload = async (url: string): Promise<string> => {
    const lines = Array.from({ length: COUNT }, (_, i) =>
      JSON.stringify({ recordKey: `citizen-${i}`, subjectId: `did:example:citizen-${i}`, givenName: `Citizen ${i}` }),
    );
    const res = await fetch(`${url}/batches?type=NationalIdCredential&format=vc%2Bjwt&transactionSize=50`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  // The job's credentials file as served: each credential and each record exactly once.
  const expectEachOnce = async (url: string, id: string): Promise<Array<{ id: string; recordKey: string; jwt: string }>> => {
    const credentials = await fetch(`${url}/batches/${id}/credentials`, { headers: auth });
    const all = (await credentials.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; recordKey: string; jwt: string });
    expect(all).toHaveLength(COUNT);
    expect(new Set(all.map((l) => l.id)).size).toBe(COUNT);
    expect(new Set(all.map((l) => l.recordKey)).size).toBe(COUNT);
    return all;
  };
  const loggedIds = async (dir: string, id: string): Promise<string[]> => {
    const issuer = await openIssuer({ path: join(dir, 'issuer.db'), secret: SECRET, kdf: TEST_KDF, create: false });
    try {
      return (await issuer.log({ batchId: id, limit: 100_000 })).map((l) => l.credentialId);
    } finally {
      await issuer.close();
    }
  };

  it('SIGTERM: exits 0 with the job interrupted and every committed credential in its file once; the next start finishes it', async () => {
    const dir = await prepare();
    running = await startProcess(dir);
    const id = await upload(running.url);
    await until(running.url, id, (j) => j.progress.done > 0 || j.status === 'completed' || j.status === 'failed');

    running.process.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.output.join('')).toMatch(/"msg":"closed"/);

    // What the stopped process left: the job's row, the issuance log, the credentials file.
    const state = await StateStore.open(join(dir, 'state.db'));
    const row = await state.get<{ state: string; issued: number }>('SELECT state, issued FROM batch_jobs WHERE id = ?', [id]);
    await state.close();
    expect(['interrupted', 'completed']).toContain(row?.state);
    const file = readFileSync(join(dir, 'batch-jobs', `${id}.credentials.jsonl`), 'utf8');
    expect(file.endsWith('\n')).toBe(true);
    const fileIds = file
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    const logged = await loggedIds(dir, id);
    expect(logged.length).toBe(row?.issued);
    expect(fileIds).toHaveLength(logged.length);
    expect(new Set(fileIds)).toEqual(new Set(logged));
    if (row?.state === 'interrupted') expect(logged.length).toBeLessThan(COUNT);

    running = await startProcess(dir);
    const done = await until(running.url, id, (j) => j.status === 'completed' || j.status === 'failed');
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ status: 'completed', counts: { total: COUNT, issued: COUNT, skipped: 0, invalid: 0 } });
    if (row?.state === 'interrupted') expect(done.runs).toBe(2);
    const all = await expectEachOnce(running.url, id);
    // A sample verifies through the service's own verifier (its did:web DID and status lists).
    for (const { jwt } of [all[0], all[COUNT - 1]] as Array<{ jwt: string }>) {
      const verified = await fetch(`${running.url}/credentials/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          verifiableCredential: {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            type: 'EnvelopedVerifiableCredential',
            id: `data:application/vc+jwt,${jwt}`,
          },
        }),
      });
      expect(verified.status).toBe(200);
      expect(((await verified.json()) as { verified: boolean }).verified).toBe(true);
    }
    running.process.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(new Set(await loggedIds(dir, id))).toEqual(new Set(all.map((l) => l.id)));
  }, 120_000);

  it('SIGKILL: the next start finds the job running, resumes it, and completes the file with what was committed but not written', async () => {
    const dir = await prepare();
    running = await startProcess(dir);
    const id = await upload(running.url);
    await until(running.url, id, (j) => j.progress.done > 0 || j.status === 'completed' || j.status === 'failed');
    running.process.kill('SIGKILL');
    await running.exited;

    // A crash may leave the row behind the log, and the file behind the log by one transaction.
    const logged = await loggedIds(dir, id);
    const fileIds = readFileSync(join(dir, 'batch-jobs', `${id}.credentials.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l.endsWith('}'))
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(logged)).toEqual(new Set([...logged, ...fileIds]));

    running = await startProcess(dir);
    const done = await until(running.url, id, (j) => j.status === 'completed' || j.status === 'failed');
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ status: 'completed', counts: { total: COUNT, issued: COUNT, skipped: 0, invalid: 0 } });
    const all = await expectEachOnce(running.url, id);
    running.process.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const final = await loggedIds(dir, id);
    expect(final).toHaveLength(COUNT);
    expect(new Set(final)).toEqual(new Set(all.map((l) => l.id)));
  }, 120_000);
});
