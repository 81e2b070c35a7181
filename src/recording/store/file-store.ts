import type { EventRoutes } from '../../events/routes';
import type { Sql } from '../../db/sql';
import { TRACK_CONTENT_TYPE, trackRelativeKey } from '../object-key';
import type { RecordingOptions } from '../recording';
import type { RecordingStatus } from '../status';
import { FILE_SQL } from './file-statements';
import { SQL } from './statements';

/** A participant track to record, as LiveKit names it. */
export interface TrackToRecord {
  trackId: string;
  identity: string;
  name: string;
}

export type ClaimOutcome = 'claimed' | 'exists' | 'not_active' | 'not_wanted' | 'not_found';

export type TrackSettleOutcome =
  /**
   * `ready`: it was the last pending file of a saved recording, and `queued` emails were queued
   * with it; `jobsQueued`: every job it queued (emails, retention tagging, the ready event).
   */
  | { result: 'settled'; ready: boolean; queued: number; jobsQueued: number }
  | { result: 'already'; status: string }
  | { result: 'not_found' };

export interface PendingTrack {
  trackId: string;
  egressId: string | null;
  relativeKey: string;
  /** How long since the file last changed (created, or its egress started). */
  idleMs: number;
}

/**
 * The participant track files of recordings (part of the recording store: same tables, same
 * rules). A track is claimed before its egress starts, so a repeated `track_published` or the
 * start's listing racing a webhook starts one egress only; every settle keeps the recording's
 * pending count exact, and the one that makes the recording ready queues what readiness sends.
 */
export class RecordingFileStore {
  private readonly sql: Sql;
  /** `tagsObjects`: the storage is configured, so readiness also queues the retention-tag job (see whenReady). */
  private readonly options: { tagsObjects: boolean; events?: EventRoutes };

  constructor({ sql, tagsObjects = false, events }: { sql: Sql; tagsObjects?: boolean; events?: EventRoutes }) {
    this.sql = sql;
    this.options = { tagsObjects, events };
  }

  /**
   * Adds the pending files of tracks to a recording that records tracks and is live (initiated or active), in one
   * transaction. The tracks it returns are this caller's, and nobody else's, to start.
   */
  async claimTracks(recordingId: string, tracks: readonly TrackToRecord[]): Promise<{ outcome: ClaimOutcome; claimed: Set<string> }> {
    const unique = [...new Map(tracks.map((t) => [t.trackId, t])).values()];
    return this.sql.transaction(async (tx) => {
      const claimed = new Set<string>();
      const [row] = await tx.query<{ status: RecordingStatus; options: RecordingOptions }>(FILE_SQL.lockForTrack, [recordingId]);
      if (!row) return { outcome: 'not_found', claimed };
      if (row.options?.participant_tracks !== 'audio') return { outcome: 'not_wanted', claimed };
      // Initiated: the composite is starting and the start's listing may be older than this track.
      if (row.status !== 'active' && row.status !== 'initiated') return { outcome: 'not_active', claimed };
      if (unique.length === 0) return { outcome: 'exists', claimed };
      const rows = await tx.query<{ trackId: string }>(FILE_SQL.insertTracks, [
        recordingId,
        TRACK_CONTENT_TYPE,
        unique.map((t) => t.trackId),
        unique.map((t) => trackRelativeKey(recordingId, t.trackId)),
        unique.map((t) => t.identity.slice(0, 255)),
        unique.map((t) => t.name.slice(0, 255)),
      ]);
      for (const r of rows) claimed.add(r.trackId);
      return { outcome: claimed.size > 0 ? 'claimed' : 'exists', claimed };
    });
  }

  /** claimTracks for one track: `claimed` means this caller is to start its egress. */
  async claimTrack(recordingId: string, track: TrackToRecord): Promise<ClaimOutcome> {
    return (await this.claimTracks(recordingId, [track])).outcome;
  }

  /**
   * Notes the egresses that record claimed tracks, in one transaction; resolves to the
   * recording's status as it is now (see recordingStatusShared): when it no longer records,
   * the caller stops them.
   */
  recordTrackEgresses(recordingId: string, started: readonly { trackId: string; egressId: string }[]): Promise<RecordingStatus | null> {
    return this.sql.transaction(async (tx) => {
      await tx.query(FILE_SQL.setTrackEgresses, [recordingId, started.map((s) => s.trackId), started.map((s) => s.egressId)]);
      const [row] = await tx.query<{ status: RecordingStatus }>(FILE_SQL.recordingStatusShared, [recordingId]);
      return row?.status ?? null;
    });
  }

  /** A pending track file is saved (it landed) or failed (it never will); a failed one that lands anyway is saved. */
  async settleTrack(recordingId: string, trackId: string, status: 'saved' | 'failed', size: number | null = null): Promise<TrackSettleOutcome> {
    const [row] = await this.sql.query<{ settled: number; ready: number; queued: number; others: number; prior: string | null }>(FILE_SQL.settleTrack, [
      recordingId,
      trackId,
      status,
      size,
      this.options.tagsObjects,
      this.options.events?.param ?? '{}',
    ]);
    if (!row || row.prior === null) return { result: 'not_found' };
    if (row.settled > 0) {
      const ready = row.ready > 0;
      if (ready && row.queued === 0) await this.sql.query(SQL.notifiedWithoutEmails, [recordingId]);
      return { result: 'settled', ready, queued: row.queued, jobsQueued: row.queued + row.others };
    }
    if (status === 'saved' && row.prior === 'failed') {
      await this.sql.query(FILE_SQL.reviveTrack, [recordingId, trackId, size]);
      return { result: 'already', status: 'saved' };
    }
    return { result: 'already', status: row.prior };
  }

  /** Track egresses that may still run: of pending track files, and of the track parts of a resumed stretch. */
  pendingTrackEgresses(recordingId: string): Promise<{ trackId: string; egressId: string }[]> {
    return this.sql.query(FILE_SQL.pendingTrackEgresses, [recordingId]);
  }

  pendingTracks(recordingId: string): Promise<PendingTrack[]> {
    return this.sql.query<PendingTrack>(FILE_SQL.pendingTracks, [recordingId]);
  }

  /** The track file an egress writes, or null when the egress is not a track egress of ours. */
  async trackByEgress(egressId: string): Promise<{ recordingId: string; trackId: string; status: string } | null> {
    return (await this.sql.query<{ recordingId: string; trackId: string; status: string }>(FILE_SQL.trackByEgress, [egressId]))[0] ?? null;
  }

  async noteTrackStarted(egressId: string, startedAt: Date): Promise<void> {
    await this.sql.query(FILE_SQL.noteTrackStarted, [egressId, startedAt]);
  }

  async noteCompositeStarted(recordingId: string, startedAt: Date): Promise<void> {
    await this.sql.query(FILE_SQL.noteCompositeStarted, [recordingId, startedAt]);
  }
}
