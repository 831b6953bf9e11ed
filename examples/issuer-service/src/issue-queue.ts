import { TradewindError } from '@tradewind/core';
import type { IssueDocumentRequest, IssuedCredential, IssueRequest, Issuer } from '@tradewind/issuer';

/** Most requests one transaction carries. */
export const MAX_GROUP = 256;

interface Waiting {
  request: IssueDocumentRequest | IssueRequest;
  resolve(issued: IssuedCredential): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent {@link IssueQueue.issue} calls share one `issuer.issueMany`
 * transaction. While one transaction runs, the next group gathers (at most
 * {@link MAX_GROUP}); each call resolves only after the transaction that holds it has
 * committed, so an answered credential is durable. `issueMany` is all-or-nothing, so a
 * group that fails is split in halves and each half tried again: one bad request fails
 * alone (with its own error) and never takes the others with it. A storage failure is
 * nobody's fault: the group fails as a whole, each request with that error.
 */
export class IssueQueue {
  private waiting: Waiting[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly issuer: Issuer) {}

  issue(request: IssueDocumentRequest | IssueRequest): Promise<IssuedCredential> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once every request queued so far has been answered. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running || this.waiting.length === 0) return;
    const group = this.waiting.splice(0, MAX_GROUP);
    this.running = this.run(group).finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async run(group: Waiting[]): Promise<void> {
    let issued: IssuedCredential[];
    try {
      issued = await this.issuer.issueMany(group.map((w) => w.request));
    } catch (error) {
      // The database failed (unreachable, restarting): the transaction rolled back and no
      // request is to blame, so the whole group fails with it — each request answered with
      // the storage error, none issued — instead of being split and tried again.
      if (group.length === 1 || (error instanceof TradewindError && error.code === 'STORAGE_ERROR')) {
        for (const w of group) w.reject(error);
        return;
      }
      const half = Math.ceil(group.length / 2);
      await this.run(group.slice(0, half));
      await this.run(group.slice(half));
      return;
    }
    group.forEach((w, i) => {
      w.resolve(issued[i] as IssuedCredential);
    });
  }
}
