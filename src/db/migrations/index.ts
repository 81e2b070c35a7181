import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { JobRunner1764600000000 } from './1764600000000-job-runner';
import { RoomActivity1765400000000 } from './1765400000000-room-activity';
import { RetentionTags1765500000000 } from './1765500000000-retention-tags';
import { ShareLinks1765600000000 } from './1765600000000-share-links';
import { RecordingFiles1765700000000 } from './1765700000000-recording-files';
import { JibriPool1765800000000 } from './1765800000000-jibri-pool';
import { ExpirySweep1765900000000 } from './1765900000000-expiry-sweep';
import { PageSessions1766000000000 } from './1766000000000-page-sessions';
import { RecordingReason1766100000000 } from './1766100000000-recording-reason';
import { JibriUploadOnce1766300000000 } from './1766300000000-jibri-upload-once';
import { PolicyAuthorRole1766500000000 } from './1766500000000-policy-author-role';
import { JibriUploadCapability1766700000000 } from './1766700000000-jibri-upload-capability';
import { StartQueue1766900000000 } from './1766900000000-start-queue';
import { StartWatchdog1767000000000 } from './1767000000000-start-watchdog';
import { PauseResume1767100000000 } from './1767100000000-pause-resume';
import { RecordingArtifacts1767300000000 } from './1767300000000-recording-artifacts';
import { RoomRecordingAccess1767500000000 } from './1767500000000-room-recording-access';
import { RoomPlatform1767700000000 } from './1767700000000-room-platform';
import { JibriPartUploads1767900000000 } from './1767900000000-jibri-part-uploads';
import { ListCoveringIndexes1768300000000 } from './1768300000000-list-covering-indexes';

/** Every migration, in order. Listed explicitly so they run the same under tsx, jest and a build. */
export const MIGRATIONS = [
  InitialSchema1763800000000,
  JobRunner1764600000000,
  RoomActivity1765400000000,
  RetentionTags1765500000000,
  ShareLinks1765600000000,
  RecordingFiles1765700000000,
  JibriPool1765800000000,
  ExpirySweep1765900000000,
  PageSessions1766000000000,
  RecordingReason1766100000000,
  JibriUploadOnce1766300000000,
  PolicyAuthorRole1766500000000,
  JibriUploadCapability1766700000000,
  StartQueue1766900000000,
  StartWatchdog1767000000000,
  PauseResume1767100000000,
  RecordingArtifacts1767300000000,
  RoomRecordingAccess1767500000000,
  RoomPlatform1767700000000,
  JibriPartUploads1767900000000,
  ListCoveringIndexes1768300000000,
];
