import { type JsonObject, TradewindError, type VerificationIssue } from '@tradewind/core';
import type { DcqlQuery } from 'dcql';
import type { QueryTarget } from './dcql.js';
import type { AcceptedFormat } from './needs.js';

/** What the verifier learned from one presented credential. */
export interface PresentedCredentialSummary {
  /** The DCQL credential query id it answers. */
  queryId: string;
  /** The CredentialNeed id. */
  need: string;
  format: AcceptedFormat;
  issuer: string;
  recognition?: { source: 'list' | 'local'; country?: string; name?: string; assuranceLevel?: string; anchor?: string };
  /** W3C types, or `[vct]`. */
  types: string[];
  /** SD-JWT VC: plain and disclosed user claims (no iss, cnf, _sd…); W3C: the credentialSubject. */
  claims: JsonObject;
  /** SD-JWT VC: the disclosed claims' paths (JSON Pointers). */
  disclosed?: string[];
  validUntil?: string;
}

/** How a request was answered. */
export interface PresentationOutcome {
  status: 'accepted' | 'refused';
  /** Empty when accepted; paths like `/vp_token/<queryId>/0`. */
  errors: VerificationIssue[];
  warnings: VerificationIssue[];
  /** The holder, when every presentation names the same one. */
  holder?: string;
  credentials: PresentedCredentialSummary[];
  /** ISO date-time. */
  receivedAt: string;
}

/** A request as the verifier keeps it until it is answered (and a while after). */
export interface PresentationSessionRecord {
  /** The session id, also the request's `state`. */
  id: string;
  nonce: string;
  clientId: string;
  dcql: DcqlQuery.Input;
  /** Per credential query id: the need and formats it stands for. */
  targets: Record<string, QueryTarget>;
  createdAt: string;
  expiresAt: string;
  /** Set once the first response is taken. */
  claimed?: boolean;
  outcome?: PresentationOutcome;
}

/**
 * Where a verifier keeps its pending requests. Several verifier instances share one
 * store when they serve one response_uri; `claim` must be atomic across them.
 */
export interface SessionStore {
  /** Stores a new session; `LIMIT_EXCEEDED` when too many are pending. */
  put(record: PresentationSessionRecord): Promise<void>;
  get(id: string): Promise<PresentationSessionRecord | undefined>;
  /** Takes the session for its first response: true once, false for every later call (or no session). */
  claim(id: string): Promise<boolean>;
  /** Records the outcome of the claimed session. */
  complete(id: string, outcome: PresentationOutcome): Promise<void>;
}

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions pending (not expired, not answered) at once. Default 10,000. */
  maxPending?: number;
  /** How long a session is kept after it expires, for its outcome to be read, in seconds. Default 3600. */
  retainSeconds?: number;
  /**
   * Most sessions kept at once, pending and finished (answered or expired, kept for their
   * outcome). When full, the oldest finished ones are dropped first. Default twice
   * `maxPending`; at least `maxPending + 1`.
   */
  maxSessions?: number;
  now?: () => Date;
}

/**
 * Sessions in memory, for one process: pending ones bounded, all of them bounded (requests
 * made and answered at once cannot pile up), old ones pruned.
 *
 * @example
 * ```ts
 * const sessions = new MemorySessionStore({ maxPending: 1000 });
 * const verifier = new PresentationVerifier({ responseUri, verifier: bank, sessions });
 * ```
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, PresentationSessionRecord>();
  readonly #maxPending: number;
  readonly #maxSessions: number;
  readonly #retainMs: number;
  readonly #now: () => Date;

  constructor(options: MemorySessionStoreOptions = {}) {
    const { maxPending = 10_000, retainSeconds = 3600, now = () => new Date() } = options;
    if (!Number.isInteger(maxPending) || maxPending < 1)
      throw new TradewindError('INVALID_ARGUMENT', 'maxPending must be a positive integer');
    const { maxSessions = 2 * maxPending } = options;
    if (!Number.isInteger(maxSessions) || maxSessions <= maxPending)
      throw new TradewindError('INVALID_ARGUMENT', 'maxSessions must be an integer greater than maxPending');
    this.#maxSessions = maxSessions;
    if (!Number.isFinite(retainSeconds) || retainSeconds < 0)
      throw new TradewindError('INVALID_ARGUMENT', 'retainSeconds must be a non-negative number');
    this.#maxPending = maxPending;
    this.#retainMs = retainSeconds * 1000;
    this.#now = now;
  }

  async put(record: PresentationSessionRecord): Promise<void> {
    const now = this.#now().getTime();
    let pending = 0;
    const finished: string[] = [];
    for (const [id, s] of this.#sessions) {
      const expires = Date.parse(s.expiresAt);
      if (expires + this.#retainMs < now) this.#sessions.delete(id);
      else if (!s.claimed && expires >= now) pending++;
      // A claimed session without its outcome is being verified: it stays.
      else if (!s.claimed || s.outcome !== undefined) finished.push(id);
    }
    if (pending >= this.#maxPending)
      throw new TradewindError('LIMIT_EXCEEDED', `${pending} requests are pending: no new one until some are answered or expire`);
    if (this.#sessions.has(record.id)) throw new TradewindError('ALREADY_EXISTS', `session ${record.id} exists`);
    // Oldest first (a Map keeps insertion order): finished sessions make room for new ones.
    for (const id of finished) {
      if (this.#sessions.size < this.#maxSessions) break;
      this.#sessions.delete(id);
    }
    this.#sessions.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<PresentationSessionRecord | undefined> {
    const s = this.#sessions.get(id);
    if (s && Date.parse(s.expiresAt) + this.#retainMs < this.#now().getTime()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return s && structuredClone(s);
  }

  async claim(id: string): Promise<boolean> {
    // No await before the check and the mark: one response wins, whatever interleaves.
    const s = this.#sessions.get(id);
    if (!s || s.claimed) return false;
    s.claimed = true;
    return true;
  }

  async complete(id: string, outcome: PresentationOutcome): Promise<void> {
    const s = this.#sessions.get(id);
    if (s && s.outcome === undefined) s.outcome = structuredClone(outcome);
  }
}
