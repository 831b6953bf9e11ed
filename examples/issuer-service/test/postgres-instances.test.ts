// Several instances of the built service (node bin/issuer-service.js, each a process of
// its own with its own config file) on one PostgreSQL database and one batch folder, as an
// agency runs them behind a load balancer: concurrent issuance, revocation seen by every
// instance, OpenID4VCI across instances, and kill -9 of the instance running a batch.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createVerifier } from '@tradewind/verifier';
import { openWallet } from '@tradewind/wallet';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine, testPostgresDatabase } from '../../../test/support/database.js';
import { newAdminKey } from '../src/auth.js';
import { credentialDocument, freePort, post, SECRET, TEST_KDF } from './helpers.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/issuer-service.js', import.meta.url));
const INSTANCES = 4;
const CREDENTIALS = 400;
const BATCH = 3000;
const LEASE_SECONDS = 2;

interface Instance {
  n: number;
  port: number;
  url: string;
  dir: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

const admin = newAdminKey();
const auth = { authorization: `Bearer ${admin.key}` };
let database: string;
let dir: string;
let baseUrl: string;
let did: string;
let db: pg.Client;
const instances: Instance[] = [];

async function startInstance(n: number): Promise<Instance> {
  const home = join(dir, `instance-${n}`);
  const port = await freePort();
  execFileSync('mkdir', ['-p', home]);
  // Every instance: the same database, base URL, secret, admin key hashes and batch folder.
  await writeFile(
    join(home, 'service.json'),
    JSON.stringify({
      port,
      baseUrl,
      database,
      batchFolder: join(dir, 'batches'),
      batchLeaseSeconds: LEASE_SECONDS,
      secret: SECRET,
      adminKeyHashes: [admin.hash],
      allowInsecureHttp: true,
      kdf: TEST_KDF,
      logLevel: 'info',
    }),
  );
  const child = spawn(process.execPath, [bin, '--config', join(home, 'service.json')], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    exited.then((code) => reject(new Error(`instance ${n} exited (${code}) before listening:\n${output.join('')}`)));
  });
  return { n, port, url, dir: home, child, output, exited };
}

const onPostgres = testEngine() === 'postgres';

beforeAll(async () => {
  if (!onPostgres) return;
  // The tree may be shared with other builds: take the build lock where there is one.
  const build = existsSync('/usr/bin/flock')
    ? ['/usr/bin/flock', ['/tmp/tw-build.lock', process.execPath, 'scripts/build.mjs']]
    : [process.execPath, ['scripts/build.mjs']];
  execFileSync(build[0] as string, build[1] as string[], { cwd: root, stdio: 'pipe' });

  database = await testPostgresDatabase('instances');
  db = new pg.Client({ connectionString: database });
  await db.connect();
  dir = await mkdtemp(join(tmpdir(), 'tw-service-instances-'));
  // The load balancer's address: every instance serves the same base URL (and so the same did:web DID).
  baseUrl = `http://127.0.0.1:${await freePort()}`;
  // The first start creates the DID and the tables; the others start together on it.
  instances.push(await startInstance(1));
  instances.push(...(await Promise.all([2, 3, 4].map((n) => startInstance(n)))));
  const output = instances[0]?.output.join('') ?? '';
  did = /issuer DID: (\S+)/.exec(output)?.[1] as string;
  expect(did).toMatch(/^did:web:127\.0\.0\.1%3A\d+$/);
}, 240_000);

afterAll(async () => {
  for (const i of instances) {
    if (i.child.exitCode === null && i.child.signalCode === null) {
      i.child.kill('SIGTERM');
      await i.exited;
    }
  }
  await db?.end();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const jwtOf = (envelope: { id: string }) => envelope.id.slice(envelope.id.indexOf(',') + 1);

interface StatusEntry {
  statusPurpose: string;
  statusListIndex: string;
  statusListCredential: string;
}

/** The bit at `index` of a BitstringStatusListCredential's encodedList (multibase base64url of GZIP; index 0 is the left-most bit). */
function bitOf(statusListJwt: string, index: number): number {
  const subject = decodeJwt(statusListJwt).credentialSubject as { encodedList: string };
  expect(subject.encodedList.startsWith('u')).toBe(true);
  const bytes = gunzipSync(Buffer.from(subject.encodedList.slice(1), 'base64url'));
  expect(bytes.length).toBeGreaterThanOrEqual(16_384); // at least 131,072 entries
  return ((bytes[index >> 3] as number) >> (7 - (index % 8))) & 1;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query(sql, params);
  return Number((rows[0] as { n: string | number }).n);
}

describe.skipIf(!onPostgres)('several instances on one PostgreSQL database (the built service)', () => {
  it('4 instances issue concurrently: no (list, index) twice, every credential logged with its entries, revocation through one seen by the others', async () => {
    // A few hundred credentials, round-robin over the instances, many in flight at once.
    const results: Array<{ instance: number; jwt: string }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < CREDENTIALS) {
          const i = next++;
          const instance = instances[i % INSTANCES] as Instance;
          const res = await post(
            `${instance.url}/credentials/issue`,
            { credential: credentialDocument({ id: `did:example:person-${i}` }), options: { status: ['revocation', 'suspension'] } },
            admin.key,
          );
          expect(res.status, await res.clone().text()).toBe(201);
          results.push({
            instance: instance.n,
            jwt: jwtOf(((await res.json()) as { verifiableCredential: { id: string } }).verifiableCredential),
          });
        }
      }),
    );
    expect(results).toHaveLength(CREDENTIALS);

    // The credentials as returned: each with two entries, no (list, index) twice.
    const ids = new Set<string>();
    const slots = new Set<string>();
    for (const { jwt } of results) {
      const payload = decodeJwt(jwt) as { id: string; issuer: string; credentialStatus: StatusEntry[] };
      expect(payload.issuer).toBe(did);
      ids.add(payload.id);
      expect(payload.credentialStatus.map((e) => e.statusPurpose)).toEqual(['revocation', 'suspension']);
      for (const e of payload.credentialStatus) slots.add(`${e.statusListCredential}#${e.statusListIndex}`);
    }
    expect(ids.size).toBe(CREDENTIALS);
    expect(slots.size).toBe(2 * CREDENTIALS);

    // The database: every returned credential in the log, each log row with both of its
    // entries and every entry with its log row, no slot twice, list numbers distinct.
    const logged = await db.query('SELECT "credential_id" FROM "tw_issuance_log"');
    expect(new Set(logged.rows.map((r: { credential_id: string }) => r.credential_id))).toEqual(ids);
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM "tw_issuance_log" l WHERE (SELECT COUNT(*) FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id") <> 2`,
      ),
    ).toBe(0);
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM "tw_status_entry" e WHERE NOT EXISTS (SELECT 1 FROM "tw_issuance_log" l WHERE l."credential_id" = e."credential_id")`,
      ),
    ).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM "tw_status_entry" GROUP BY "list_id", "idx" HAVING COUNT(*) > 1) d`)).toBe(
      0,
    );
    expect(await count(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM "tw_status_list" GROUP BY "number" HAVING COUNT(*) > 1) d`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM "tw_status_entry"`)).toBe(2 * CREDENTIALS);

    // Revocation through instance 1, seen in GET /status/<n> of instance 3 (which had the
    // list signed and cached before) and by the verify endpoint of instance 4.
    const target = decodeJwt((results.find((r) => r.instance === 2) as { jwt: string }).jwt) as {
      id: string;
      credentialStatus: StatusEntry[];
    };
    const entry = target.credentialStatus[0] as StatusEntry;
    const listPath = new URL(entry.statusListCredential).pathname;
    const index = Number(entry.statusListIndex);
    const three = instances[2] as Instance;
    const before = await fetch(`${three.url}${listPath}`);
    expect(before.status).toBe(200);
    const etagBefore = before.headers.get('etag') as string;
    expect(bitOf(await before.text(), index)).toBe(0);

    const revoked = await post(
      `${instances[0]?.url}/credentials/status`,
      { credentialId: target.id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true },
      admin.key,
    );
    expect(revoked.status).toBe(200);
    // Every instance reads the lists' version counters at most once a second.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await fetch(`${three.url}${listPath}`, { headers: { 'if-none-match': etagBefore } });
    expect(after.status).toBe(200);
    const etagAfter = after.headers.get('etag') as string;
    expect(etagAfter).not.toBe(etagBefore);
    expect(after.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(bitOf(await after.text(), index)).toBe(1);
    expect((await fetch(`${three.url}${listPath}`, { headers: { 'if-none-match': etagAfter } })).status).toBe(304);
    // The other instances publish the same bits.
    for (const other of [instances[1], instances[3]] as Instance[]) {
      const res = await fetch(`${other.url}${listPath}`);
      expect(bitOf(await res.text(), index)).toBe(1);
    }
    const verified = await post(`${instances[3]?.url}/credentials/verify`, {
      verifiableCredential: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: 'EnvelopedVerifiableCredential',
        id: `data:application/vc+jwt,${(results.find((r) => r.instance === 2) as { jwt: string }).jwt}`,
      },
    });
    const verdict = (await verified.json()) as { verified: boolean; errors: Array<{ code: string }> };
    expect(verdict.verified).toBe(false);
    expect(verdict.errors.map((e) => e.code)).toContain('REVOKED');
  }, 120_000);

  it('OpenID4VCI across instances: the offer made on A, the token from B, the nonce from C, the credential from D', async () => {
    const [a, b, c, d] = instances as [Instance, Instance, Instance, Instance];
    const offer = await post(
      `${a.url}/offers`,
      { credentialConfigurationId: 'NationalIdCredential', claims: { givenName: 'Asha', familyName: 'Mohan' } },
      admin.key,
    );
    expect(offer.status).toBe(201);
    const { credentialOfferUri } = (await offer.json()) as { credentialOfferUri: string };
    // The wallet talks to the base URL; this "load balancer" sends each endpoint to another instance.
    const served: Array<{ path: string; instance: number }> = [];
    const route = (path: string): Instance => (path === '/token' ? b : path === '/nonce' ? c : path === '/credential' ? d : a);
    const balancer: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      expect(url.origin).toBe(baseUrl);
      const to = route(url.pathname);
      served.push({ path: url.pathname, instance: to.n });
      return fetch(`${to.url}${url.pathname}${url.search}`, init);
    };
    const walletDir = await mkdtemp(join(tmpdir(), 'tw-instances-wallet-'));
    const wallet = await openWallet({ path: join(walletDir, 'wallet.db'), secret: 'wallet secret', kdf: TEST_KDF });
    try {
      await wallet.createDid();
      const received = (await wallet.acceptOffer(credentialOfferUri, { allowInsecureHttp: true, fetch: balancer })) as {
        issuer?: string;
      };
      expect(received).toBeDefined();
      expect(served).toEqual(
        expect.arrayContaining([
          { path: '/token', instance: b.n },
          { path: '/nonce', instance: c.n },
          { path: '/credential', instance: d.n },
        ]),
      );
      expect(served.some((s) => s.path.startsWith('/offers/') && s.instance === a.n)).toBe(true);
      const stored = await wallet.list();
      expect(stored).toHaveLength(1);
    } finally {
      await wallet.close();
      await rm(walletDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('kill -9 of the instance running a batch: nothing half-written, and another instance completes it after the lease, each record issued once', async () => {
    const lines = Array.from({ length: BATCH }, (_, i) =>
      JSON.stringify({ recordKey: `citizen-${i}`, subjectId: `did:example:citizen-${i}`, givenName: `Citizen ${i}` }),
    );
    const upload = await fetch(
      `${instances[1]?.url}/batches?type=NationalIdCredential&format=vc%2Bjwt&status=revocation,suspension&transactionSize=50`,
      { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: `${lines.join('\n')}\n` },
    );
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };

    interface JobView {
      status: string;
      counts: { total: number | null; issued: number; skipped: number; invalid: number };
      progress: { done: number; total: number | null };
      runs: number;
      lease?: { instance: string; until: string };
      error?: unknown;
    }
    // Any instance answers for any job.
    const job = async (via: Instance): Promise<JobView> => {
      const res = await fetch(`${via.url}/batches/${id}`, { headers: auth });
      expect(res.status).toBe(200);
      return (await res.json()) as JobView;
    };
    const until = async (via: () => Instance, done: (j: JobView) => boolean): Promise<JobView> => {
      for (;;) {
        const j = await job(via());
        if (done(j)) return j;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const alive = () => instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
    const running = await until(
      () => instances[3] as Instance,
      (j) => (j.status === 'running' && j.progress.done >= BATCH / 5) || j.status === 'completed' || j.status === 'failed',
    );
    expect(running.status).toBe('running');
    expect(running.progress.done).toBeLessThan(BATCH);
    // The lease names the instance by host, process id and a random part.
    const pid = Number(running.lease?.instance.split(':')[1]);
    const victim = instances.find((i) => i.child.pid === pid) as Instance;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    await victim.exited;

    // What the killed instance left: every logged credential with its two entries, and a
    // credentials file of whole lines, each a credential that verifies.
    const batchLog = async () =>
      (await db.query('SELECT "credential_id", "record_key" FROM "tw_issuance_log" WHERE "batch_id" = $1', [id])).rows as Array<{
        credential_id: string;
        record_key: string;
      }>;
    const half = await count(
      `SELECT COUNT(*) AS n FROM "tw_issuance_log" l WHERE l."batch_id" = $1 AND (SELECT COUNT(*) FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id") <> 2`,
      [id],
    );
    expect(half).toBe(0);
    const loggedAtKill = await batchLog();
    const file = readFileSync(join(dir, 'batches', `${id}.credentials.jsonl`), 'utf8');
    const whole = file.endsWith('\n') ? file : file.slice(0, file.lastIndexOf('\n') + 1);
    const survivor = alive()[0] as Instance;
    // Each list fetched once (the public endpoints are rate limited per client).
    const fetched = new Map<string, Promise<string>>();
    const statusList = (from: Instance, url: string): Promise<string> => {
      let list = fetched.get(url);
      if (list === undefined) {
        list = fetch(`${from.url}${new URL(url).pathname}`).then(async (res) => {
          expect(res.status).toBe(200);
          return res.text();
        });
        fetched.set(url, list);
      }
      return list;
    };
    const didDocument = await (await fetch(`${survivor.url}/.well-known/did.json`)).json();
    const verifier = createVerifier({
      trustedIssuers: [did],
      didResolver: { didWebFetcher: async () => didDocument, allowInsecureDidWeb: true },
      status: {
        provider: { get: (url) => statusList(survivor, url) },
        allowInsecureUrls: true,
      },
    });
    const lineIds: string[] = [];
    for (const line of whole.split('\n').filter((l) => l !== '')) {
      const parsed = JSON.parse(line) as { id: string; jwt: string; recordKey: string };
      lineIds.push(parsed.id);
      const result = await verifier.verifyCredential(parsed.jwt);
      expect(result.verified, JSON.stringify(result)).toBe(true);
    }
    // The file never holds what the log does not; a torn tail is cut when the job resumes.
    expect(new Set(loggedAtKill.map((r) => r.credential_id))).toEqual(new Set([...loggedAtKill.map((r) => r.credential_id), ...lineIds]));

    // Another instance claims it once the lease runs out, and completes it.
    const done = await until(
      () => alive()[0] as Instance,
      (j) => j.status === 'completed' || j.status === 'failed',
    );
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ status: 'completed', counts: { total: BATCH, issued: BATCH, skipped: 0, invalid: 0 } });
    expect(done.runs).toBeGreaterThanOrEqual(2);
    expect(done.lease).toBeUndefined();
    const resumedBy = alive()
      .map((i) => i.output.join(''))
      .filter((o) => o.includes('"msg":"batch job resumed"') && o.includes(id));
    expect(resumedBy.length).toBeGreaterThanOrEqual(1);

    // Each record issued exactly once, and the file holds exactly the logged credentials.
    const final = await batchLog();
    expect(final).toHaveLength(BATCH);
    expect(new Set(final.map((r) => r.record_key)).size).toBe(BATCH);
    const served = await fetch(`${(alive().at(-1) as Instance).url}/batches/${id}/credentials`, { headers: auth });
    const all = (await served.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; recordKey: string });
    expect(all).toHaveLength(BATCH);
    expect(new Set(all.map((l) => l.id))).toEqual(new Set(final.map((r) => r.credential_id)));
    expect(new Set(all.map((l) => l.recordKey)).size).toBe(BATCH);
    // The file itself, as the resumed run left it: whole lines only, each credential once.
    const finalFile = readFileSync(join(dir, 'batches', `${id}.credentials.jsonl`), 'utf8');
    expect(finalFile.endsWith('\n')).toBe(true);
    const fileLines = finalFile
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    expect(fileLines).toHaveLength(BATCH);
    expect(new Set(fileLines.map((l) => l.id)).size).toBe(BATCH);
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM "tw_issuance_log" l WHERE l."batch_id" = $1 AND (SELECT COUNT(*) FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id") <> 2`,
        [id],
      ),
    ).toBe(0);
  }, 180_000);
});
