import { BATCH_JOBS_LEASE_MIGRATION, BATCH_JOBS_MIGRATION } from './batch-jobs.js';
import { OID4VCI_MIGRATION } from './oid4vci/store.js';
import type { StateMigration } from './state-store.js';

/**
 * Every migration of the service's state database, in the order they run. A module's
 * tables come from here: the service checks the list at start (a fresh database gets all
 * of it; an existing one with some pending is refused until `tradewind-issuer-service
 * migrate` applies them). Add a migration at the end; never edit one that shipped.
 */
export const STATE_MIGRATIONS: readonly StateMigration[] = [
  { name: 'oid4vci-1', ...OID4VCI_MIGRATION },
  { name: 'batch-jobs-1', ...BATCH_JOBS_MIGRATION },
  { name: 'batch-jobs-2', ...BATCH_JOBS_LEASE_MIGRATION },
];
