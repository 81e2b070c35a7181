import type { Sql } from '../../db/sql';
import type { AccessChanges } from './access-changes';
import { SHARE_SQL } from './share-link-statements';

/** A share link as stored (never its token). */
export interface ShareLink {
  id: string;
  recordingId: string;
  /** `sub` of the owner or administrator who made it. */
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface NewShareLink {
  id: string;
  recordingId: string;
  tokenHash: Buffer;
  createdBy: string;
  expiresAt: Date;
}

/** Every read and write of `share_links`, each a named operation over one prepared statement. */
export class ShareLinkStore {
  private readonly sql: Sql;
  /** Told of each revocation (the recording store's, so media-auth's cache forgets the link at once). */
  private readonly changes: AccessChanges;

  constructor(options: { sql: Sql; changes: AccessChanges }) {
    this.sql = options.sql;
    this.changes = options.changes;
  }

  /**
   * Inserts the link unless its recording already has `maxActive` active links (then null), under
   * the recording's row lock so that concurrent creations cannot pass the cap together.
   */
  insertUnderCap(link: NewShareLink, maxActive: number): Promise<ShareLink | null> {
    return this.sql.transaction(async (tx) => {
      await tx.query(SHARE_SQL.lockRecording, [link.recordingId]);
      const values = [link.id, link.recordingId, link.tokenHash, link.createdBy, link.expiresAt, maxActive];
      return (await tx.query<ShareLink>(SHARE_SQL.insertUnderCap, values))[0] ?? null;
    });
  }

  /** The recording's links, newest first, revoked and expired ones included. */
  listForRecording(recordingId: string): Promise<ShareLink[]> {
    return this.sql.query<ShareLink>(SHARE_SQL.listForRecording, [recordingId]);
  }

  /** Marks the link revoked; null when the recording has no such link. */
  async revoke(recordingId: string, linkId: string): Promise<ShareLink | null> {
    const link = (await this.sql.query<ShareLink>(SHARE_SQL.revoke, [linkId, recordingId]))[0] ?? null;
    if (link) this.changes.notify(recordingId);
    return link;
  }

  /** The recording's link with this token hash, with whether it still works (by the database's clock). */
  async findByToken(recordingId: string, tokenHash: Buffer): Promise<(ShareLink & { isActive: boolean }) | null> {
    return (await this.sql.query<ShareLink & { isActive: boolean }>(SHARE_SQL.byToken, [tokenHash, recordingId]))[0] ?? null;
  }
}
