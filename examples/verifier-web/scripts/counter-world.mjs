// The counter's world, made from scratch in one folder: a regional trust anchor and its
// signed recognition list, Trinidad and Tobago's registry (did:web, its key carried by the
// list) with its published status lists, the counter's recognition policy, and a holder's
// wallet holding her national ID as an SD-JWT VC (dc+sd-jwt) and as a VCDM 2.0 JWT (vc+jwt).
// Used by `pnpm counter` and by the browser tests.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openIssuer } from '@tradewind/issuer';
import { openWallet } from '@tradewind/wallet';

export const SECRETS = { anchor: 'counter anchor secret', registry: 'counter registry secret', wallet: 'counter wallet secret' };
export const TT_STATUS_BASE = 'https://registry.gov.tt/status';
const YEAR_MS = 365 * 86_400_000;

/** Asha's national ID claims (SD-JWT VC claim names, used by both formats). */
export const ASHA = { given_name: 'Asha', family_name: 'Ramdial', birthdate: '1991-04-12', nationality: 'TT' };

/**
 * Creates the world in `dir` (which must not hold one yet). Returns the open issuers and
 * wallet (close them with `close()`), the DIDs, the files a verifier needs and the ids
 * of the credentials the wallet holds.
 */
export async function prepareCounterWorld(dir) {
  mkdirSync(dir, { recursive: true });
  const anchorIssuer = await openIssuer({ path: join(dir, 'anchor.db'), secret: SECRETS.anchor });
  const anchor = await anchorIssuer.createDid();
  const registry = await openIssuer({ path: join(dir, 'tt-registry.db'), secret: SECRETS.registry, statusListBaseUrl: TT_STATUS_BASE });
  const tt = await registry.createDid({ method: 'web', domain: 'registry.gov.tt' });

  const list = await anchorIssuer.signRecognitionList({
    sequence: 1,
    nextUpdate: new Date(Date.now() + 30 * 86_400_000),
    name: 'CARICOM mutual recognition',
    entries: [
      {
        id: tt.did,
        country: 'TT',
        name: 'Registrar General, Trinidad and Tobago',
        credentialTypes: ['NationalIdCredential'],
        assuranceLevel: 'substantial',
        keys: await registry.recognitionKeys(tt.did),
        status: { required: true },
      },
    ],
  });
  const listFile = join(dir, 'caricom-recognition-list.jwt');
  writeFileSync(listFile, list);
  const policyFile = join(dir, 'counter-policy.json');
  const policy = {
    anchors: [anchor.did],
    recognitionLists: ['caricom-recognition-list.jwt'],
    accept: [{ countries: '*', credentialTypes: ['NationalIdCredential'], minAssurance: 'substantial' }],
  };
  writeFileSync(policyFile, `${JSON.stringify(policy, null, 2)}\n`);

  const wallet = await openWallet({ path: join(dir, 'wallet.db'), secret: SECRETS.wallet });
  const holder = await wallet.createDid();
  const validUntil = new Date(Date.now() + 5 * YEAR_MS);
  const sdJwt = await registry.issue({
    type: 'NationalIdCredential',
    format: 'dc+sd-jwt',
    status: ['revocation'],
    credentialSubject: { id: holder.did, ...ASHA },
    validUntil,
  });
  const vcJwt = await registry.issue({
    type: 'NationalIdCredential',
    format: 'vc+jwt',
    status: ['revocation'],
    credentialSubject: { id: holder.did, ...ASHA },
    validUntil,
  });
  const published = join(dir, 'published');
  await registry.publishStatusLists(published);
  const files = { policy: policyFile, recognitionList: listFile, statusLists: statusListFiles(published) };
  const verify = { policy: policyFile, statusLists: files.statusLists };
  const received = {
    sdJwt: (await wallet.receive(sdJwt.jwt, receiveOptions(policy, list, files.statusLists))).credential.id,
    vcJwt: (await wallet.receive(vcJwt.jwt, receiveOptions(policy, list, files.statusLists))).credential.id,
  };
  return {
    dir,
    anchorIssuer,
    anchor: anchor.did,
    registry,
    tt: tt.did,
    wallet,
    holder: holder.did,
    list,
    files,
    verify,
    issued: { sdJwt, vcJwt },
    received,
    /** Republishes the registry's status lists (after a revocation) into the same files. */
    republish: async () => {
      await registry.publishStatusLists(published);
      return statusListFiles(published);
    },
    close: async () => {
      for (const db of [anchorIssuer, registry, wallet]) await db.close();
    },
  };
}

/** Status list URL → file, from the manifests publishStatusLists writes (Bitstring, and Token lists under token/). */
export function statusListFiles(folder) {
  const map = {};
  for (const sub of ['.', 'token']) {
    const manifest = join(folder, sub, 'status-lists.json');
    if (!existsSync(manifest)) continue;
    for (const m of JSON.parse(readFileSync(manifest, 'utf8'))) map[m.url] = join(folder, sub, m.file);
  }
  return map;
}

function receiveOptions(policy, list, statusLists) {
  const lists = Object.fromEntries(Object.entries(statusLists).map(([url, file]) => [url, readFileSync(file, 'utf8')]));
  const { recognitionLists: _files, ...rest } = policy;
  return { policy: rest, recognitionLists: [list], status: { lists } };
}
