import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The issuer's own tables, next to Veramo's in the same database (SQLite or PostgreSQL):
 * - `tw_issuer_setting`: status list base URL, list length, whether claims are logged.
 * - `tw_status_list`: one row per Bitstring Status List (per issuer DID and purpose);
 *   `used` counts allocated indexes, `perm_key` keys the index permutation.
 * - `tw_status_entry`: one row per allocated index; `value` is the status bit.
 * - `tw_issuance_log`: one row per issued credential; `record_key` makes batch records idempotent.
 */
export class CreateIssuerTables1764300100000 implements MigrationInterface {
  name = 'CreateIssuerTables1764300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "tw_issuer_setting" ("key" varchar PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "tw_status_list" (
      "id" varchar PRIMARY KEY NOT NULL,
      "number" integer NOT NULL UNIQUE,
      "issuer" varchar NOT NULL,
      "purpose" varchar NOT NULL,
      "length" integer NOT NULL,
      "used" integer NOT NULL DEFAULT 0,
      "perm_key" varchar NOT NULL,
      "created_at" varchar NOT NULL,
      "updated_at" varchar NOT NULL)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tw_status_list_open" ON "tw_status_list" ("issuer", "purpose", "number")`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "tw_status_entry" (
      "list_id" varchar NOT NULL,
      "idx" integer NOT NULL,
      "credential_id" varchar NOT NULL,
      "purpose" varchar NOT NULL,
      "value" integer NOT NULL DEFAULT 0,
      PRIMARY KEY ("list_id", "idx"))`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tw_status_entry_credential" ON "tw_status_entry" ("credential_id")`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "tw_issuance_log" (
      "credential_id" varchar PRIMARY KEY NOT NULL,
      "record_key" varchar UNIQUE,
      "issuer" varchar NOT NULL,
      "types" text NOT NULL,
      "subject_id" varchar,
      "format" varchar NOT NULL,
      "issued_at" varchar NOT NULL,
      "valid_from" varchar,
      "valid_until" varchar,
      "status" text NOT NULL,
      "claims" text,
      "batch_id" varchar)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tw_issuance_log_subject" ON "tw_issuance_log" ("subject_id")`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tw_issuance_log_issued_at" ON "tw_issuance_log" ("issued_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const t of ['tw_issuance_log', 'tw_status_entry', 'tw_status_list', 'tw_issuer_setting']) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${t}"`);
    }
  }
}

/**
 * Re-emission safety:
 * - `tw_issuance_log.content_digest`: digest of the signed content (see content-digest.ts);
 *   a credential is signed again under its id only when the content rebuilt from the
 *   request has this digest. Rows from before this migration have none and are never
 *   re-emitted.
 * - `tw_reemission`: one row per re-emission (when, which batch, which digest).
 */
export class AddReemissionSafety1764300200000 implements MigrationInterface {
  name = 'AddReemissionSafety1764300200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tw_issuance_log" ADD COLUMN "content_digest" varchar`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "tw_reemission" (
      "credential_id" varchar NOT NULL,
      "reemitted_at" varchar NOT NULL,
      "batch_id" varchar,
      "content_digest" varchar NOT NULL)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tw_reemission_credential" ON "tw_reemission" ("credential_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "tw_reemission"`);
    await queryRunner.query(`ALTER TABLE "tw_issuance_log" DROP COLUMN "content_digest"`);
  }
}

/**
 * Status lists shared by several instances:
 * - `tw_status_list.version`: starts at 0 and goes up by one in the same transaction as
 *   every change of one of the list's bits, so that every instance publishing the list
 *   can tell that its signed copy is behind (clocks of different machines cannot).
 */
export class AddStatusListVersion1764900000000 implements MigrationInterface {
  name = 'AddStatusListVersion1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tw_status_list" ADD COLUMN "version" integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tw_status_list" DROP COLUMN "version"`);
  }
}

/**
 * The order of the issuance log on PostgreSQL: `tw_issuance_log.seq`, a sequence number
 * given at insertion (existing rows are numbered in the order they are stored), so the
 * log lists credentials issued at the same instant in the order they were written, and
 * pages of `offset`/`limit` never overlap. SQLite orders by its rowid and needs nothing.
 */
export class AddIssuanceLogOrder1764900100000 implements MigrationInterface {
  name = 'AddIssuanceLogOrder1764900100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "tw_issuance_log" ADD COLUMN "seq" bigserial`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tw_issuance_log_order" ON "tw_issuance_log" ("issued_at", "seq")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`DROP INDEX IF EXISTS "tw_issuance_log_order"`);
    await queryRunner.query(`ALTER TABLE "tw_issuance_log" DROP COLUMN "seq"`);
  }
}

/**
 * IETF Token Status Lists for `dc+sd-jwt` credentials, next to the Bitstring Status Lists:
 * - `tw_status_list.kind`: `bitstring` (every list before this migration) or `token`; a
 *   token list has `purpose` `token` and is published at `<base>/token/<n>`.
 * - `tw_status_entry.kind`: likewise; a token entry's `value` is its 2-bit status (0
 *   valid, 1 revoked, 2 suspended) and its `purpose` the purposes it was issued with
 *   (`revocation`, `suspension` or `revocation,suspension`).
 * Existing rows take the default `bitstring`: nothing else changes for them.
 */
export class AddTokenStatusLists1765000000000 implements MigrationInterface {
  name = 'AddTokenStatusLists1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tw_status_list" ADD COLUMN "kind" varchar NOT NULL DEFAULT 'bitstring'`);
    await queryRunner.query(`ALTER TABLE "tw_status_entry" ADD COLUMN "kind" varchar NOT NULL DEFAULT 'bitstring'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tw_status_entry" DROP COLUMN "kind"`);
    await queryRunner.query(`ALTER TABLE "tw_status_list" DROP COLUMN "kind"`);
  }
}

/**
 * Every migration of the issuer's own tables, in the order they run (after Veramo's and
 * the agent's): what `openIssuer` applies, and what `inspectMigrations` /
 * `applyMigrations` of `@tradewind/agent` take as `migrations` for an issuer database.
 */
export const ISSUER_MIGRATIONS = [
  CreateIssuerTables1764300100000,
  AddReemissionSafety1764300200000,
  AddStatusListVersion1764900000000,
  AddIssuanceLogOrder1764900100000,
  AddTokenStatusLists1765000000000,
] as const;
