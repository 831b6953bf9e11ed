import { createHash } from 'node:crypto';
import type { Issuer } from '@tradewind/issuer';

/** A signed status list as the service serves it. */
export interface PublishedList {
  url: string;
  number: number;
  jwt: string;
  /** Strong validator of the body: `"sha256-<base64url>"`. */
  etag: string;
  validUntil: Date;
  /** The list's bits as signed (to tell a real change from a touched list). */
  encodedList: string;
}

/** How often the database is asked whether a list changed outside this process (another process, the CLI). */
const CHECK_EVERY_MS = 1000;
/** Longest time between a status change's `updated_at` stamp and its commit that is accounted for. */
const COMMIT_MARGIN_MS = 2000;

/**
 * The service's signed status lists, kept in memory and signed again only when they need
 * it: when a status (or the set of lists) changed — as this process records through
 * {@link invalidate}, or as the lists' `updated_at` in the issuer database shows within a
 * second for changes made elsewhere — or when the signed copy has less than half of its
 * validity left. Requests never sign on their own: one signing runs at a time and every
 * request waiting for it shares its result.
 */
export class StatusLists {
  private lists = new Map<number, PublishedList>();
  private signedAt = '';
  private signedCount = 0;
  private stale = true;
  private lastCheck = 0;
  private signing: Promise<void> | undefined;

  constructor(
    private readonly issuer: Issuer,
    private readonly did: () => string,
    private readonly validForSeconds: number,
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

  /** The signed list published at `url`, or undefined (for the verifier's status provider). */
  async byUrl(url: string): Promise<PublishedList | undefined> {
    const base = this.issuer.statusListBaseUrl;
    if (base === undefined || !url.startsWith(`${base}/`)) return undefined;
    const rest = url.slice(base.length + 1);
    if (!/^[1-9]\d{0,9}$/.test(rest)) return undefined;
    return this.get(Number(rest));
  }

  private async refresh(unknownNumber: boolean): Promise<void> {
    while (this.signing) await this.signing;
    const now = Date.now();
    let resign = this.stale;
    if (!resign) {
      for (const list of this.lists.values()) {
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

  /** Whether a list was opened or changed since the lists were signed (`updated_at` is at least the signing start). */
  private async changedInDatabase(): Promise<boolean> {
    const rows = (await this.issuer.agent.dataSource.query(`SELECT "updated_at" FROM "tw_status_list" WHERE "issuer" = ?`, [
      this.did(),
    ])) as Array<{ updated_at: string }>;
    return rows.length !== this.signedCount || rows.some((r) => r.updated_at >= this.signedAt);
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
    try {
      signed = await this.issuer.statusListCredentials({ issuer: this.did(), validForSeconds: this.validForSeconds, now: start });
    } catch (error) {
      this.stale = true;
      throw error;
    }
    const lists = new Map<number, PublishedList>();
    for (const l of signed) {
      const encodedList = String((l.credential.credentialSubject as { encodedList?: unknown }).encodedList);
      const previous = this.lists.get(l.number);
      if (
        !forced &&
        previous?.encodedList === encodedList &&
        previous.validUntil.getTime() - start.getTime() > (this.validForSeconds * 1000) / 2
      ) {
        lists.set(l.number, previous);
        continue;
      }
      lists.set(l.number, {
        url: l.url,
        number: l.number,
        jwt: l.jwt,
        etag: `"sha256-${createHash('sha256').update(l.jwt).digest('base64url')}"`,
        validUntil: new Date(l.validUntil),
        encodedList,
      });
    }
    this.lists = lists;
    // A change stamps updated_at before its transaction commits: one stamped shortly before
    // the signing started may not have been visible to it, so it counts as newer.
    this.signedAt = new Date(start.getTime() - COMMIT_MARGIN_MS).toISOString();
    this.signedCount = signed.length;
    this.lastCheck = Date.now();
  }
}
