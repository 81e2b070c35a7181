import type { OidcSignIn } from '../auth/oidc-sign-in';
import type { PageSessions } from '../auth/page-session';
import type { TokenVerifier } from '../auth/token-verifier';
import type { AppConfig } from '../config/config';
import type { DownloadSecret } from '../downloads/download-secret';
import type { MediaAuthorizer } from '../downloads/media-authorizer';
import type { Metrics } from '../metrics/metrics';
import type { JibriStatusWebhook } from '../recording/events/jibri-status';
import type { LivekitWebhookAdapter } from '../recording/workers/livekit/webhook-adapter';
import type { StorageEvents } from '../recording/events/storage-events';
import type { JibriUploadUrls } from '../recording/jibri-uploads';
import type { RecordingPages } from '../pages/recording-page';
import type { PauseService } from '../recording/pause/pause-service';
import type { Recorders } from '../recording/recorders';
import type { ArtifactService } from '../recording/artifacts/artifact-service';
import type { ArtifactTokens } from '../recording/artifacts/artifact-token';
import type { RecordingService } from '../recording/recording-service';
import type { RecordingPermanence } from '../recording/retention/permanence';
import type { ShareLinkService } from '../recording/share-links';
import type { RecordingStatus } from '../recording/status';
import type { ArchiveLinks } from '../recording/library/archive-links';
import type { ArchiveSource } from '../recording/library/zip-archive';
import type { RoomRecordingAccess } from '../rooms/recording-access';
import type { JitsiRoomEvents } from '../rooms/jitsi/jitsi-room-events';
import type { RoomsService } from '../rooms/rooms-service';
import type { ReadinessCheck } from './routes/health';

/** What the HTTP layer needs from the rest of the service; src/server/compose.ts builds it. */
export interface ApiDeps {
  config: AppConfig;
  verifier: TokenVerifier;
  metrics: Metrics;
  recordings: RecordingService;
  /** Pause and resume of a room's recording. */
  pauses: PauseService;
  /** The recorders API for operators (OPERATOR_TOKEN). */
  recorders: Recorders;
  /** Room activity, live recording and recording policy (src/rooms). */
  rooms: RoomsService;
  /** What each room's members may do with its recordings. */
  roomAccess: RoomRecordingAccess;
  permanence: RecordingPermanence;
  mediaAuthorizer: MediaAuthorizer;
  downloadSecret: DownloadSecret;
  storageEvents: StorageEvents;
  livekitEvents: LivekitWebhookAdapter;
  jibriWebhook: JibriStatusWebhook;
  /** Prosody's event_sync bodies; absent without JITSI_EVENTS_TOKEN (the routes are then not served). */
  jitsiEvents?: JitsiRoomEvents;
  jibriUploads: JibriUploadUrls;
  shareLinks: ShareLinkService;
  /** ZIP downloads of several recordings. */
  archiveLinks: ArchiveLinks;
  /** Where the ZIPs read from; absent without a configured storage. */
  archiveSource?: ArchiveSource;
  recordingPages: RecordingPages;
  /** Processing results on recordings (transcripts, summaries) and the tokens that write them. */
  artifacts: ArtifactService;
  artifactTokens: ArtifactTokens;
  /** Sign-in sessions of the recording page; absent without OIDC_* settings. */
  pageSessions?: PageSessions;
  oidc?: OidcSignIn;
  readinessChecks: ReadinessCheck[];
  /** Recordings by status, read at scrape time for /metrics. */
  countByStatus(): Promise<{ status: RecordingStatus; n: number }[]>;
}
