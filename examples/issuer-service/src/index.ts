export { type AppLifecycle, createApp } from './app.js';
export { carriesAdminKey, hashAdminKey, isAdminKeyHash, newAdminKey, requireAdmin } from './auth.js';
export { readJson } from './body.js';
export {
  CONFIG_DEFAULTS,
  CONFIG_FILE_VARIABLE,
  DEFAULT_CREDENTIAL_CONFIGURATIONS,
  ENVIRONMENT,
  isPostgresUrl,
  type LoadConfigOptions,
  loadConfig,
  loadDatabaseSettings,
} from './config.js';
export type {
  CredentialConfiguration,
  JwtVcCredentialConfiguration,
  SdJwtCredentialConfiguration,
  ServiceConfig,
  ServiceContext,
  ServiceModule,
} from './context.js';
export { HttpError, type ServiceErrorCode, type ServiceIssue } from './errors.js';
export { IssueQueue, MAX_GROUP } from './issue-queue.js';
export {
  applyServiceMigrations,
  type DatabaseSettings,
  inspectServiceMigrations,
  migrationRequiredError,
  migrationsRequired,
  type ServiceMigrations,
} from './migrations.js';
export { didWebFor, type RunningService, startService } from './service.js';
export { STATE_MIGRATIONS } from './state-migrations.js';
export {
  type OpenStateOptions,
  type StateEngine,
  type StateMigration,
  type StateMigrationReport,
  StateStore,
} from './state-store.js';
