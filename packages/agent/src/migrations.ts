import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The agent's own table: KDF salt and parameters, and the secret check value. */
export class CreateTradewindMeta1764300000000 implements MigrationInterface {
  name = 'CreateTradewindMeta1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "tradewind_meta" ("key" varchar PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "tradewind_meta"`);
  }
}
