import { join } from 'node:path';
import { StatusList } from '@sd-jwt/jwt-status-list';
import type { ManagedDid, Query, TradewindAgent } from '@tradewind/agent';
import { writeListFolder } from './status-list-credential.js';

/** A signed IETF Token Status List (`statuslist+jwt`), ready to publish at `url`. */
export interface StatusListToken {
  /** Where the credentials' `status.status_list.uri` says it is published (`<base>/token/<n>`). */
  url: string;
  /** The list's number: its file name (under `token/`) when published. */
  number: number;
  issuer: string;
  /** The signed compact JWT (media type `application/statuslist+jwt`). */
  jwt: string;
  /** `iat` and `exp` of the token, as RFC 3339 date-times. */
  issuedAt: string;
  expiresAt: string;
  /** `ttl`: seconds a verifier may cache the token. */
  ttl: number;
  /** Entries in the list. */
  length: number;
  /** Entries that are not valid (revoked or suspended). */
  setCount: number;
  /** The list's version when its values were read (see `Issuer.statusListVersions`). */
  version: number;
}

interface ListRow {
  id: string;
  number: number;
  issuer: string;
  length: number;
  version: number;
}

/** Media type of a status list token (draft-ietf-oauth-status-list). */
export const STATUS_LIST_TOKEN_MEDIA_TYPE = 'application/statuslist+jwt';

/**
 * Builds and signs the Token Status List of every token list (or of one issuer's, or one
 * list by URL): header `typ: statuslist+jwt`, `kid` the issuer's verification method;
 * payload `iss`, `sub` (the list's URL), `iat`, `exp` (`iat + validForSeconds`), `ttl`
 * (`ttlSeconds`), `status_list: { bits: 2, lst }`. The list is encoded by
 * `@sd-jwt/jwt-status-list` (least significant bits first, ZLIB-deflated, base64url).
 */
export async function buildStatusListTokens(
  agent: TradewindAgent,
  query: Query,
  signerOf: (did: string) => Promise<ManagedDid>,
  options: { now: Date; validForSeconds: number; ttlSeconds: number; issuer?: string; url?: string },
): Promise<StatusListToken[]> {
  const where = [`"kind" = 'token'`];
  const params: unknown[] = [];
  if (options.issuer !== undefined) {
    where.push(`"issuer" = ?`);
    params.push(options.issuer);
  }
  if (options.url !== undefined) {
    where.push(`"id" = ?`);
    params.push(options.url);
  }
  const lists = (await query(
    `SELECT "id", "number", "issuer", "length", "version" FROM "tw_status_list" WHERE ${where.join(' AND ')} ORDER BY "number"`,
    params,
  )) as ListRow[];
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + options.validForSeconds;
  const out: StatusListToken[] = [];
  for (const row of lists) {
    const length = Number(row.length);
    const list = new StatusList(new Array<number>(length).fill(0), 2);
    const set = (await query(`SELECT "idx", "value" FROM "tw_status_entry" WHERE "list_id" = ? AND "value" <> 0`, [row.id])) as Array<{
      idx: number;
      value: number;
    }>;
    for (const { idx, value } of set) list.setStatus(Number(idx), Number(value));
    const signer = await signerOf(row.issuer);
    const jwt = await agent.signJwt(
      { alg: signer.alg, typ: 'statuslist+jwt', kid: signer.verificationMethod },
      { iss: row.issuer, sub: row.id, iat, exp, ttl: options.ttlSeconds, status_list: { bits: 2, lst: list.compressStatusList() } },
      signer.keyId,
    );
    out.push({
      url: row.id,
      number: Number(row.number),
      issuer: row.issuer,
      jwt,
      issuedAt: iso(iat),
      expiresAt: iso(exp),
      ttl: options.ttlSeconds,
      length,
      setCount: set.length,
      version: Number(row.version),
    });
  }
  return out;
}

/**
 * Writes each token list to `dir/token/<number>` (the URL is `<base>/token/<number>`)
 * and a manifest `dir/token/status-lists.json` of the same shape as the Bitstring lists'
 * one, each file replaced atomically. Nothing is written when there are no token lists.
 */
export async function writeStatusListTokenFiles(dir: string, lists: StatusListToken[]): Promise<Array<{ url: string; file: string }>> {
  if (lists.length === 0) return [];
  return writeListFolder(join(dir, 'token'), lists, (l) => ({
    mediaType: STATUS_LIST_TOKEN_MEDIA_TYPE,
    issuedAt: l.issuedAt,
    expiresAt: l.expiresAt,
  }));
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
