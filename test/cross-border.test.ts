// Cross-border recognition end to end: the issuer library signs the regional list and
// issues credentials, the wallet receives and presents them, the verifier decides —
// on real SQLite files, with real signatures, files on disk, and no network.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer, type RecognitionListRequest } from '@tradewind/issuer';
import {
  type CredentialVerificationResult,
  createVerifier,
  type PresentationVerificationResult,
  type RecognitionPolicy,
} from '@tradewind/verifier';
import { openWallet, restoreWallet, type Wallet } from '@tradewind/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kdf = { N: 2 ** 10, r: 8, p: 1 };
const DAY = 86_400_000;
const codes = (r: CredentialVerificationResult | PresentationVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));

let dir: string;
let anchor: Issuer;
let anchorDid: string;
let tt: Issuer;
let ttDid: string;
let wallet: Wallet;
let holder: string;
const t0 = new Date('2026-03-01T00:00:00Z');

function statusLists(folder: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(folder, 'status-lists.json'), 'utf8')) as Array<{ url: string; file: string }>;
  return Object.fromEntries(manifest.map((m) => [m.url, readFileSync(join(folder, m.file), 'utf8')]));
}

async function list(request: Partial<RecognitionListRequest> & Pick<RecognitionListRequest, 'entries'>): Promise<string> {
  return anchor.signRecognitionList({ sequence: 1, nextUpdate: new Date(t0.getTime() + 30 * DAY), validFrom: t0, ...request });
}

async function ttEntry(overrides: Record<string, unknown> = {}) {
  return {
    id: ttDid,
    country: 'TT',
    name: 'Registrar General, Trinidad and Tobago',
    credentialTypes: ['NationalIdCredential'],
    assuranceLevel: 'substantial' as const,
    keys: await tt.recognitionKeys(ttDid),
    ...overrides,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradewind-e2e-'));
  anchor = await openIssuer({ path: join(dir, 'anchor.db'), secret: 'a', kdf });
  anchorDid = (await anchor.createDid()).did;
  tt = await openIssuer({ path: join(dir, 'tt.db'), secret: 't', kdf, statusListBaseUrl: 'https://registry.gov.tt/status' });
  ttDid = (await tt.createDid({ method: 'web', domain: 'registry.gov.tt' })).did;
  wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: 'w', kdf });
  holder = (await wallet.createDid()).did;
});
afterAll(async () => {
  for (const db of [anchor, tt, wallet]) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cross-border recognition, end to end', () => {
  it('issue → store → present → verify in another country, then revoke', async () => {
    const now = new Date(t0.getTime() + 2 * DAY);
    const regional = await list({ entries: [await ttEntry()] });
    const issued = await tt.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: ['revocation', 'suspension'],
      validFrom: new Date(t0.getTime() + DAY),
      credentialSubject: { id: holder, givenName: 'Asha' },
    });
    const published = join(dir, 'published');
    await tt.publishStatusLists(published, { now });
    const policy: RecognitionPolicy = {
      anchors: [anchorDid],
      accept: [{ countries: ['TT'], credentialTypes: ['NationalIdCredential'], minAssurance: 'substantial' }],
    };
    const options = { now, policy, recognitionLists: [regional], status: { lists: statusLists(published) } };

    const stored = await wallet.receive(issued.jwt, options);
    const vp = await wallet.present({ credentials: [stored.credential.id], audience: 'https://bank.example.bb', nonce: 'n-1', now });
    const bank = createVerifier(options);
    const accepted = await bank.verifyPresentation(vp, { nonce: 'n-1', audience: 'https://bank.example.bb' });
    expect(accepted.verified, JSON.stringify(accepted)).toBe(true);
    if (accepted.verified)
      expect(accepted.credentials[0]?.recognition).toMatchObject({ country: 'TT', assuranceLevel: 'substantial', listSequence: 1 });

    const border = createVerifier({
      ...options,
      policy: { ...policy, accept: [{ countries: '*', credentialTypes: '*', minAssurance: 'high' }] },
    });
    expect(codes(await border.verifyPresentation(vp, { nonce: 'n-1', audience: 'https://bank.example.bb' }))).toEqual(['NOT_RECOGNIZED']);

    await tt.suspend(issued.id);
    await tt.publishStatusLists(published, { now });
    expect(codes(await createVerifier({ ...options, status: { lists: statusLists(published) } }).verifyCredential(issued.jwt))).toEqual([
      'SUSPENDED',
    ]);
    await tt.reinstate(issued.id);
    await tt.revoke(issued.id);
    await tt.publishStatusLists(published, { now });
    expect(codes(await createVerifier({ ...options, status: { lists: statusLists(published) } }).verifyCredential(issued.jwt))).toEqual([
      'REVOKED',
    ]);
    // The wallet refuses it too now, and stores nothing.
    const before = await wallet.count();
    const other = await tt.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: ['revocation'],
      validFrom: t0,
      credentialSubject: { id: holder },
    });
    await tt.revoke(other.id);
    await tt.publishStatusLists(published, { now });
    await expect(wallet.receive(other.jwt, { ...options, status: { lists: statusLists(published) } })).rejects.toMatchObject({
      code: 'REVOKED',
    });
    expect(await wallet.count()).toBe(before);
  });

  it('key rollover: credentials signed with the retired key before its end date still verify, later ones do not', async () => {
    const oldDid = ttDid;
    const oldKeys = await tt.recognitionKeys(oldDid);
    const newDid = (await tt.createDid({ method: 'key' })).did;
    const retiredAt = new Date(t0.getTime() + 10 * DAY);
    const regional = await list({
      sequence: 2,
      entries: [
        await ttEntry({ keys: oldKeys, validUntil: retiredAt.toISOString() }),
        { ...(await ttEntry()), id: newDid, keys: undefined, validFrom: retiredAt.toISOString() },
      ],
    });
    const verifier = createVerifier({
      now: new Date(t0.getTime() + 20 * DAY),
      policy: { anchors: [anchorDid] },
      recognitionLists: [regional],
    });
    // Signed on the day its validity starts: iat is the issuance time recognition windows judge.
    const issueOn = async (day: number, issuer: string, format: 'jwt_vc' | 'vc+jwt') => {
      const at = new Date(t0.getTime() + day * DAY);
      const [issued] = await tt.issueMany(
        [{ type: 'NationalIdCredential', format, status: [], issuer, validFrom: at, credentialSubject: { id: holder } }],
        at,
      );
      return issued as NonNullable<typeof issued>;
    };
    const before = await issueOn(5, oldDid, 'jwt_vc');
    const after = await issueOn(15, oldDid, 'jwt_vc');
    const current = await issueOn(15, newDid, 'vc+jwt');
    expect((await verifier.verifyCredential(before.jwt)).verified).toBe(true);
    expect(codes(await verifier.verifyCredential(after.jwt))).toEqual(['UNTRUSTED_ISSUER']);
    expect((await verifier.verifyCredential(current.jwt)).verified).toBe(true);
  });

  it('key rollover of one did:web DID: the rotated key gets a new kid, and each key is held to its own window', async () => {
    // The registry moves to a new key (and database) under the same DID.
    const rotated = await openIssuer({ path: join(dir, 'tt-rotated.db'), secret: 't2', kdf });
    try {
      const sameDid = (await rotated.createDid({ method: 'web', domain: 'registry.gov.tt' })).did;
      expect(sameDid).toBe(ttDid);
      const [oldKey] = await tt.recognitionKeys(ttDid);
      const [newKey] = await rotated.recognitionKeys(ttDid);
      expect(newKey?.kid).not.toBe(oldKey?.kid);
      const retiredAt = new Date(t0.getTime() + 10 * DAY);
      const regional = await list({
        sequence: 3,
        entries: [
          await ttEntry({ keys: [oldKey], validUntil: retiredAt.toISOString() }),
          await ttEntry({ keys: [newKey], validFrom: retiredAt.toISOString() }),
        ],
      });
      const verifier = createVerifier({
        now: new Date(t0.getTime() + 20 * DAY),
        policy: { anchors: [anchorDid] },
        recognitionLists: [regional],
      });
      const issueOn = async (issuer: Issuer, day: number) => {
        const at = new Date(t0.getTime() + day * DAY);
        const [issued] = await issuer.issueMany(
          [{ type: 'NationalIdCredential', format: 'vc+jwt', status: [], issuer: ttDid, validFrom: at, credentialSubject: { id: holder } }],
          at,
        );
        return (issued as NonNullable<typeof issued>).jwt;
      };
      expect((await verifier.verifyCredential(await issueOn(tt, 5))).verified).toBe(true);
      expect(codes(await verifier.verifyCredential(await issueOn(tt, 15)))).toEqual(['UNTRUSTED_ISSUER']);
      const current = await verifier.verifyCredential(await issueOn(rotated, 15));
      expect(current.verified, JSON.stringify(current)).toBe(true);
      expect(codes(await verifier.verifyCredential(await issueOn(rotated, 5)))).toEqual(['UNTRUSTED_ISSUER']);
    } finally {
      await rotated.close();
    }
  });

  it("a wallet's per-call trustedIssuers narrows its recognition policy and is never dropped", async () => {
    const regional = await list({ entries: [await ttEntry()] });
    const now = new Date(t0.getTime() + 2 * DAY);
    const policy: RecognitionPolicy = { anchors: [anchorDid] };
    const issued = await tt.issue({
      type: 'NationalIdCredential',
      format: 'vc+jwt',
      status: [],
      validFrom: t0,
      credentialSubject: { id: holder },
    });
    const strict = await openWallet({
      path: join(dir, 'strict-wallet.db'),
      secret: 'w',
      kdf,
      verify: { now, policy, recognitionLists: [regional] },
    });
    try {
      await expect(strict.receive(issued.jwt, { trustedIssuers: [anchorDid] })).rejects.toMatchObject({ code: 'UNTRUSTED_ISSUER' });
      // An issuer on no list stays refused, even when the call names it.
      const outsider = await anchor.issue({
        type: 'NationalIdCredential',
        format: 'vc+jwt',
        status: [],
        validFrom: t0,
        credentialSubject: { id: holder },
      });
      await expect(strict.receive(outsider.jwt, { trustedIssuers: [anchorDid] })).rejects.toMatchObject({ code: 'UNTRUSTED_ISSUER' });
      await expect(
        wallet.receive(outsider.jwt, { now, policy, recognitionLists: [regional], trustedIssuers: [anchorDid] }),
      ).rejects.toMatchObject({
        code: 'UNTRUSTED_ISSUER',
      });
      expect(await strict.count()).toBe(0);
      expect((await strict.receive(issued.jwt, { trustedIssuers: [ttDid] })).added).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('rollback: a verifier that has seen list 5 refuses list 4', async () => {
    const entries = [await ttEntry()];
    const [four, five] = [await list({ sequence: 4, entries }), await list({ sequence: 5, entries: [] })];
    const credential = (
      await tt.issue({ type: 'NationalIdCredential', format: 'vc+jwt', status: [], validFrom: t0, credentialSubject: { id: holder } })
    ).jwt;
    const now = new Date(t0.getTime() + DAY);
    const first = createVerifier({ now, policy: { anchors: [anchorDid] }, recognitionLists: [five] });
    const { sequences } = (await first.recognitionStatus()) ?? { sequences: {} };
    expect(sequences).toEqual({ [anchorDid]: 5 });
    const later = createVerifier({ now, policy: { anchors: [anchorDid] }, recognitionLists: [four], seenSequences: sequences });
    expect(codes(await later.verifyCredential(credential))).toEqual(['TRUST_LIST_INVALID']);
  });

  it('staleness: past nextUpdate the list is refused, or only warned about when the policy allows', async () => {
    const regional = await list({ entries: [await ttEntry()], nextUpdate: new Date(t0.getTime() + 2 * DAY) });
    const credential = (
      await tt.issue({ type: 'NationalIdCredential', format: 'vc+jwt', status: [], validFrom: t0, credentialSubject: { id: holder } })
    ).jwt;
    const late = new Date(t0.getTime() + 3 * DAY);
    expect(
      codes(
        await createVerifier({ now: late, policy: { anchors: [anchorDid] }, recognitionLists: [regional] }).verifyCredential(credential),
      ),
    ).toEqual(['TRUST_LIST_STALE']);
    const lenient = createVerifier({
      now: late,
      policy: { anchors: [anchorDid], onStaleRecognitionList: 'warn' },
      recognitionLists: [regional],
    });
    const r = await lenient.verifyCredential(credential);
    expect(r.verified && r.warnings.map((w) => w.code)).toEqual(['TRUST_LIST_STALE']);
    const graced = createVerifier({
      now: late,
      policy: { anchors: [anchorDid], recognitionListGraceSeconds: 2 * 86_400 },
      recognitionLists: [regional],
    });
    expect((await graced.verifyCredential(credential)).verified).toBe(true);
  });

  it('a backup of a wallet holding a did:web credential, recognised through the keys the list carries, restores', async () => {
    const now = new Date(t0.getTime() + 2 * DAY);
    const regional = await list({ entries: [await ttEntry()] });
    const policy: RecognitionPolicy = {
      anchors: [anchorDid],
      accept: [{ countries: ['TT'], credentialTypes: ['NationalIdCredential'], minAssurance: 'substantial' }],
    };
    const verify = { now, policy, recognitionLists: [regional], status: { onUnavailable: 'warn' as const } };
    const source = await openWallet({ path: join(dir, 'backup-source.db'), secret: 'w', kdf, verify });
    try {
      const me = (await source.createDid()).did;
      const issued = await tt.issue({
        type: 'NationalIdCredential',
        status: [],
        validFrom: t0,
        credentialSubject: { id: me, givenName: 'Asha' },
      });
      await source.receive(issued.jwt);
      const file = await source.exportBackup('backup pass', { kdf: { log2N: 10, r: 8, p: 1 } });
      // The issuer's key is in no DID document the wallet can fetch: only the list has it.
      await expect(restoreWallet({ path: join(dir, 'backup-bare.db'), secret: 'w', kdf }, file, 'backup pass')).rejects.toMatchObject({
        code: 'BACKUP_INVALID',
      });
      const { wallet: restored, restored: summary } = await restoreWallet(
        { path: join(dir, 'backup-restored.db'), secret: 'w', kdf, verify },
        file,
        'backup pass',
      );
      expect(summary.credentials).toBe(1);
      expect((await restored.list())[0]?.issuer).toBe(ttDid);
      await restored.close();
    } finally {
      await source.close();
    }
  });
});
