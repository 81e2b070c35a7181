import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A recording policy acts for its author only while they manage the room.
 * `room_policies.author_suspended_at`: when a request of the author showed a token without an
 * owner/administrator role in the room (null: they had it when last seen); cleared when a later
 * token shows the role again or the policy is set anew. The index finds an author's policies on
 * each of their requests.
 */
export class PolicyAuthorRole1766500000000 implements MigrationInterface {
  name = 'PolicyAuthorRole1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE room_policies ADD COLUMN author_suspended_at timestamptz`);
    await q.query(`CREATE INDEX room_policies_author ON room_policies (author_sub)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX room_policies_author`);
    await q.query(`ALTER TABLE room_policies DROP COLUMN author_suspended_at`);
  }
}
