import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The issuer's own tables, next to Veramo's in the same SQLite file:
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
