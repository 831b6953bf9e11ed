import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ManagedDid, type Query, type TradewindAgent, writeFileAtomic } from '@tradewind/agent';
import { createStatusBitstring, type JsonObject, setStatusBit, VCDM_2_CONTEXT, type VerifiableCredential } from '@tradewind/core';
import { encodeStatusList } from '@tradewind/core/status-list';
import { type DataIntegritySettings, diText, signDataIntegrity } from './data-integrity.js';
import type { StatusPurpose } from './status-store.js';

/** How a status list credential is secured: `vc+jwt` (VC-JOSE-COSE) or `di` (a Data Integrity proof). */
export type StatusListFormat = 'vc+jwt' | 'di';

/** A signed status list credential, ready to publish at `url`. */
export interface StatusListCredential {
  /** Where the credentials' `statusListCredential` says it is published. */
  url: string;
  /** The list's number: its file name when published. */
  number: number;
  issuer: string;
  purpose: StatusPurpose;
  /** How it is secured (`vc+jwt` unless asked for `di`). */
  format: StatusListFormat;
  /**
   * The signed `vc+jwt` (media type `application/vc+jwt`); for `di` the JSON text of the
   * credential with its proof (media type `application/vc`).
   */
  jwt: string;
  /** The credential (for `di`, with its proof). */
  credential: VerifiableCredential;
  validFrom: string;
  validUntil: string;
  /** How many entries are set (revoked or suspended). */
  setCount: number;
  /**
   * The list's version (see `Issuer.statusListVersions`) read before its bits: the
   * signed list holds every change up to this version (and perhaps later ones), so a
   * publisher signs it again once the database's version is higher.
   */
  version: number;
}

interface ListRow {
  id: string;
  number: number;
  issuer: string;
  purpose: StatusPurpose;
  length: number;
  version: number;
}

/**
 * Builds and signs the BitstringStatusListCredential of every Bitstring list (or those of one
 * issuer; Token Status Lists are token-status-list.ts's): VCDM 2.0 secured as `vc+jwt`, with `validFrom`/`validUntil` so verifiers can
 * judge freshness.
 */
export async function buildStatusListCredentials(
  agent: TradewindAgent,
  query: Query,
  signerOf: (did: string) => Promise<ManagedDid>,
  options: {
    now: Date;
    validForSeconds: number;
    issuer?: string;
    format?: StatusListFormat;
    dataIntegrity?: DataIntegritySettings | undefined;
  },
): Promise<StatusListCredential[]> {
  const format = options.format ?? 'vc+jwt';
  const lists = (await query(
    `SELECT "id", "number", "issuer", "purpose", "length", "version" FROM "tw_status_list" WHERE "kind" = 'bitstring'${options.issuer ? ' AND "issuer" = ?' : ''} ORDER BY "number"`,
    options.issuer ? [options.issuer] : [],
  )) as ListRow[];
  const validFrom = new Date(Math.floor(options.now.getTime() / 1000) * 1000);
  const validUntil = new Date(validFrom.getTime() + options.validForSeconds * 1000);
  const out: StatusListCredential[] = [];
  for (const list of lists) {
    const bits = createStatusBitstring(list.length);
    const set = (await query(`SELECT "idx" FROM "tw_status_entry" WHERE "list_id" = ? AND "value" = 1`, [list.id])) as Array<{
      idx: number;
    }>;
    for (const { idx } of set) setStatusBit(bits, idx, true);
    const credential: VerifiableCredential = {
      '@context': [VCDM_2_CONTEXT],
      id: list.id,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: list.issuer,
      validFrom: iso(validFrom),
      validUntil: iso(validUntil),
      credentialSubject: {
        id: `${list.id}#list`,
        type: 'BitstringStatusList',
        statusPurpose: list.purpose,
        encodedList: encodeStatusList(bits),
      },
    };
    const signer = await signerOf(list.issuer);
    let jwt: string;
    let signed = credential;
    if (format === 'di') {
      signed = (await signDataIntegrity(
        agent,
        signer,
        credential as unknown as JsonObject,
        iso(validFrom),
        options.dataIntegrity,
      )) as unknown as VerifiableCredential;
      jwt = diText(signed as unknown as JsonObject);
    } else jwt = await agent.signJwt({ alg: signer.alg, typ: 'vc+jwt', kid: signer.verificationMethod }, credential, signer.keyId);
    out.push({
      url: list.id,
      number: list.number,
      issuer: list.issuer,
      purpose: list.purpose,
      format,
      jwt,
      credential: signed,
      validFrom: iso(validFrom),
      validUntil: iso(validUntil),
      setCount: set.length,
      version: Number(list.version),
    });
  }
  return out;
}

/**
 * Writes each list to `dir/<number>` (the last segment of its URL) and a manifest
 * `dir/status-lists.json` mapping URLs to files. Every file is replaced atomically
 * (`writeFileAtomic`: temporary file in the same folder, fsync, rename), so a kill or a
 * full disk leaves the previous file or the new one, and a web server never serves half
 * a list. The manifest is written last.
 */
export function writeStatusListFiles(dir: string, lists: StatusListCredential[]): Promise<Array<{ url: string; file: string }>> {
  return writeListFolder(dir, lists, (l) => ({ purpose: l.purpose, validFrom: l.validFrom, validUntil: l.validUntil }));
}

/**
 * {@link writeStatusListFiles}, and beside each list its Data Integrity form (`diLists`,
 * the same lists signed with `format: 'di'`) at `dir/<number>.json`, each written before
 * the manifest, which names it as the list's `dataIntegrityFile`.
 */
export async function writeDataIntegrityListFiles(
  dir: string,
  lists: StatusListCredential[],
  diLists: StatusListCredential[],
): Promise<Array<{ url: string; file: string }>> {
  const di = new Map(diLists.map((l) => [l.url, l]));
  await mkdir(dir, { recursive: true });
  const written: Array<{ url: string; file: string }> = [];
  for (const list of diLists) {
    const file = join(dir, `${list.number}.json`);
    await writeFileAtomic(file, `${list.jwt}\n`);
    written.push({ url: list.url, file });
  }
  const jwts = await writeListFolder(dir, lists, (l) => ({
    purpose: l.purpose,
    validFrom: l.validFrom,
    validUntil: l.validUntil,
    ...(di.has(l.url) ? { dataIntegrityFile: `${l.number}.json` } : {}),
  }));
  return [...jwts, ...written];
}

/**
 * Writes signed lists to `dir/<number>`, each replaced atomically, then the manifest
 * `dir/status-lists.json`: per list its `url`, `file` and `issuer`, and what `describe`
 * adds. Bitstring lists and Token Status Lists are published this way.
 */
export async function writeListFolder<T extends { url: string; number: number; issuer: string; jwt: string }>(
  dir: string,
  lists: readonly T[],
  describe: (list: T) => Record<string, unknown>,
): Promise<Array<{ url: string; file: string }>> {
  await mkdir(dir, { recursive: true });
  const written: Array<{ url: string; file: string }> = [];
  for (const list of lists) {
    const file = join(dir, String(list.number));
    await writeFileAtomic(file, list.jwt);
    written.push({ url: list.url, file });
  }
  const manifest = lists.map((l) => ({ url: l.url, file: String(l.number), issuer: l.issuer, ...describe(l) }));
  await writeFileAtomic(join(dir, 'status-lists.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return written;
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
