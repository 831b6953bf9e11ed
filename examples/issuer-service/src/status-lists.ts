import { createHash } from 'node:crypto';
import type { Issuer } from '@tradewind/issuer';

/** A signed status list as the service serves it. */
export interface PublishedList {
  url: string;
  number: number;
  jwt: string;
  /** `application/vc+jwt` (a Bitstring Status List credential) or `application/statuslist+jwt` (a Token Status List). */
  mediaType: typeof BITSTRING_MEDIA_TYPE | typeof TOKEN_MEDIA_TYPE;
  /** Strong validator of the body: `"sha256-<base64url>"`. */
  etag: string;
  /** The credential's `validUntil`, or the token's `exp`. */
  validUntil: Date;
  /** The list's bits as signed (the credential's `encodedList`, the token's `status_list.lst`), to tell a real change from a touched list. */
  encodedList: string;
}

export const BITSTRING_MEDIA_TYPE = 'application/vc+jwt';
export const TOKEN_MEDIA_TYPE = 'application/statuslist+jwt';

/**
 * How often the database is asked whether a list changed outside this process (another
 * instance, the CLI): a published list reflects every change committed at least this
 * long before the request (plus the time to sign it again).
 */
export const CHECK_EVERY_MS = 1000;

/**
 * The service's signed status lists — Bitstring Status List credentials and, for SD-JWT
 * VCs, IETF Token Status List tokens — kept in memory and signed again only when they need
 * it: when a status (or the set of lists) changed — as this process records through
 * {@link invalidate}, or as the lists' `version` counters in the issuer database show
 * within a second for changes made elsewhere — or when the signed copy has less than half
 * of its validity left. Requests never sign on their own: one signing runs at a time and
 * every request waiting for it shares its result.
 *
 * The counters go up in the same transaction as every bit change, whichever instance
 * makes it, so comparing them needs no clock: several instances on one database publish
 * the same bits, each within {@link CHECK_EVERY_MS} of a change committed by any of them.
 */
export class StatusLists {
  private lists = new Map<number, PublishedList>();
  /** The Token Status Lists (SD-JWT VCs), by number: published at `<status base>/token/<n>`. */
  private tokens = new Map<number, PublishedList>();
  /** The version of each list (by id) when the lists in memory were signed: read before signing. */
  private signedVersions = new Map<string, number>();
  private stale = true;
  private lastCheck = 0;
  private signing: Promise<void> | undefined;

  constructor(
    private readonly issuer: Issuer,
    private readonly did: () => string,
    private readonly validForSeconds: number,
    /** `ttl` of the Token Status Lists: the HTTP cache lifetime of the lists (statusListMaxAgeSeconds). */
    private readonly ttlSeconds = 300,
  ) {}

  /** Marks the signed lists as out of date (a status changed, a key was rotated). */
  invalidate(): void {
    this.stale = true;
  }

  /** The current signed list number `n`, or undefined when there is none. */
  async get(n: number): Promise<PublishedList | undefined> {
    await this.refresh(!this.lists.has(n));
    return this.lists.get(n);
  }

  /** The current signed Token Status List number `n`, or undefined when there is none. */
  async getToken(n: number): Promise<PublishedList | undefined> {
    await this.refresh(!this.tokens.has(n));
    return this.tokens.get(n);
  }

  /** The signed list (either kind) published at `url`, or undefined (for the verifier's status provider). */
  async byUrl(url: string): Promise<PublishedList | undefined> {
    const base = this.issuer.statusListBaseUrl;
    if (base === undefined || !url.startsWith(`${base}/`)) return undefined;
    const rest = url.slice(base.length + 1);
    if (/^[1-9]\d{0,9}$/.test(rest)) return this.get(Number(rest));
    const token = /^token\/([1-9]\d{0,9})$/.exec(rest);
    return token ? this.getToken(Number(token[1])) : undefined;
  }

  private async refresh(unknownNumber: boolean): Promise<void> {
    while (this.signing) await this.signing;
    const now = Date.now();
    let resign = this.stale;
    if (!resign) {
      for (const list of [...this.lists.values(), ...this.tokens.values()]) {
        if (list.validUntil.getTime() - now < (this.validForSeconds * 1000) / 2) resign = true;
      }
    }
    if (!resign && (unknownNumber || now - this.lastCheck >= CHECK_EVERY_MS)) {
      this.lastCheck = now;
      resign = await this.changedInDatabase();
    }
    if (!resign) return;
    const forced = this.stale;
    this.signing ??= this.sign(forced).finally(() => {
      this.signing = undefined;
    });
    await this.signing;
  }

  /** Whether a list was opened or had a bit changed since the lists were signed (a counter moved, a list appeared or went). */
  private async changedInDatabase(): Promise<boolean> {
    return !sameVersions(await this.issuer.statusListVersions(this.did()), this.signedVersions);
  }

  /**
   * Signs every list again. Unless `forced` (a status or key change this process made),
   * a list whose bits did not change keeps its signed copy, and so its ETag, while that
   * copy has more than half of its validity left.
   */
  private async sign(forced: boolean): Promise<void> {
    this.stale = false;
    const start = new Date();
    let signed: Awaited<ReturnType<Issuer['statusListCredentials']>>;
    let signedTokens: Awaited<ReturnType<Issuer['statusListTokens']>>;
    let versions: Map<string, number>;
    try {
      // The counters first: a change committed between this read and the signing is in the
      // signed bits but not in these counters, so the next check signs once more, never less.
      versions = await this.issuer.statusListVersions(this.did());
      const options = { issuer: this.did(), validForSeconds: this.validForSeconds, now: start };
      signed = await this.issuer.statusListCredentials(options);
      // ttl: how long a verifier may cache the token, no longer than the HTTP cache lifetime.
      signedTokens = await this.issuer.statusListTokens({ ...options, ttlSeconds: Math.min(this.ttlSeconds, this.validForSeconds) });
    } catch (error) {
      this.stale = true;
      throw error;
    }
    // Unless forced, a list whose bits did not change keeps its signed copy (and ETag)
    // while that copy has more than half of its validity left.
    const keep = (previous: PublishedList | undefined, encodedList: string) =>
      !forced &&
      previous?.encodedList === encodedList &&
      previous.validUntil.getTime() - start.getTime() > (this.validForSeconds * 1000) / 2;
    const lists = new Map<number, PublishedList>();
    for (const l of signed) {
      const encodedList = String((l.credential.credentialSubject as { encodedList?: unknown }).encodedList);
      const previous = this.lists.get(l.number);
      lists.set(
        l.number,
        keep(previous, encodedList)
          ? (previous as PublishedList)
          : published(l.url, l.number, l.jwt, BITSTRING_MEDIA_TYPE, new Date(l.validUntil), encodedList),
      );
    }
    const tokens = new Map<number, PublishedList>();
    for (const t of signedTokens) {
      const encodedList = tokenList(t.jwt);
      const previous = this.tokens.get(t.number);
      tokens.set(
        t.number,
        keep(previous, encodedList)
          ? (previous as PublishedList)
          : published(t.url, t.number, t.jwt, TOKEN_MEDIA_TYPE, new Date(t.expiresAt), encodedList),
      );
    }
    this.lists = lists;
    this.tokens = tokens;
    this.signedVersions = versions;
    this.lastCheck = Date.now();
  }
}

function published(
  url: string,
  number: number,
  jwt: string,
  mediaType: PublishedList['mediaType'],
  validUntil: Date,
  encodedList: string,
): PublishedList {
  return { url, number, jwt, mediaType, etag: `"sha256-${createHash('sha256').update(jwt).digest('base64url')}"`, validUntil, encodedList };
}

/** The `status_list.lst` of a status list token this service signed (its bits, compressed). */
function tokenList(jwt: string): string {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { status_list?: { lst?: unknown } };
  return String(payload.status_list?.lst);
}

function sameVersions(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, version] of a) if (b.get(id) !== version) return false;
  return true;
}
