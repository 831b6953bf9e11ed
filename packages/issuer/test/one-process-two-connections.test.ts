// Two issuers on one SQLite file in one process, each with dozens of calls in flight (the
// shape of a process that opens its issuer twice). Waiting for the other connection's
// write lock must never take a thread of libuv's pool: packages/agent/test/lock-wait.test.ts
// shows the deadlock that made in one exact sequence; this is the load version of it, with
// a busy timeout of 8 s so that a wait that long fails the test.
import { type IssuedCredential, type Issuer, openIssuer } from '@tradewind/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTempIssuer, openTempIssuer, TEST_KDF, testEngine } from './helpers/temp-issuer.js';

let dir: string;
let database: string;
let issuer: Issuer;

beforeAll(async () => {
  ({ dir, issuer, database } = await openTempIssuer('one-process-two-connections'));
});
afterAll(() => closeTempIssuer(issuer, dir));

const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const jose = () => ({ type: 'NationalIdCredential', credentialSubject: { id: HOLDER, name: 'Ana' } });
const sdJwt = () => ({
  format: 'dc+sd-jwt' as const,
  type: 'NationalIdCredential',
  credentialSubject: { id: HOLDER, given_name: 'Ana', nationality: 'TT' },
});

describe.skipIf(testEngine() !== 'sqlite')('two connections to one SQLite file in one process', () => {
  it('both issue dozens of credentials at once, each call in flight, and none waits out the busy timeout', async () => {
    const second = await openIssuer({
      database,
      secret: 'one-process-two-connections',
      kdf: TEST_KDF,
      busyTimeoutMs: 8_000,
      statusListBaseUrl: 'https://registry.gov.example/status',
    });
    const first = await openIssuer({
      database,
      secret: 'one-process-two-connections',
      kdf: TEST_KDF,
      busyTimeoutMs: 8_000,
      statusListBaseUrl: 'https://registry.gov.example/status',
    });
    try {
      const flood = (who: Issuer) => [
        ...Array.from({ length: 40 }, (_, i) => who.issue(i % 2 ? jose() : sdJwt())),
        who.issueMany(Array.from({ length: 40 }, () => sdJwt())),
        who.issueMany(Array.from({ length: 40 }, () => jose())),
        // Reads on the same connections, in flight beside the writes.
        ...Array.from({ length: 20 }, () => who.log({ limit: 5 }).then(() => [])),
        ...Array.from({ length: 20 }, () => who.statusListVersions().then(() => [])),
      ];
      const settled = await Promise.allSettled([...flood(first), ...flood(second)]);
      const failures = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      const issued = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value].flat() : [])) as IssuedCredential[];
      expect(issued.length).toBe(2 * (40 + 40 + 40));
      const places = issued.map((c) =>
        c.statusList ? `${c.statusList.uri}#${c.statusList.idx}` : `${c.status[0]?.statusListCredential}#${c.status[0]?.statusListIndex}`,
      );
      expect(new Set(places).size).toBe(places.length);
    } finally {
      await first.close();
      await second.close();
    }
  }, 120_000);
});
