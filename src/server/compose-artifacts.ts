import type { DownloadSecret } from '../downloads/download-secret';
import { ArtifactService } from '../recording/artifacts/artifact-service';
import { ArtifactTokens } from '../recording/artifacts/artifact-token';
import { speakersJob } from '../recording/artifacts/speakers-job';
import type { RecordingService } from '../recording/recording-service';
import type { ShareLinkService } from '../recording/share-links';
import { ArtifactStore } from '../recording/store/artifact-store';
import type { RecordingStore } from '../recording/store/recording-store';
import { ArtifactObjects } from '../storage/artifact-objects';
import type { Shared } from './compose-shared';

/**
 * Processing results on recordings: the artifact tokens recording.ready hands out (keyed off
 * the download-link key), the artifacts' state and their objects in the bucket, and the job that
 * writes the speaker time line.
 */
export function composeArtifacts(
  shared: Shared,
  { store, recordings }: { store: RecordingStore; recordings: RecordingService },
  { downloadSecret, shareLinks }: { downloadSecret: DownloadSecret; shareLinks: ShareLinkService },
) {
  const { config, db, storage, events } = shared;
  const artifactTokens = new ArtifactTokens(downloadSecret, config.artifacts.tokenTtlSeconds);
  const artifactStore = new ArtifactStore(db.sql, { events });
  const artifacts = new ArtifactService({
    getForUser: (user, id) => recordings.get(user, id),
    findById: (id) => store.findById(id),
    resolveShare: (id, token) => shareLinks.resolve(id, token),
    store: artifactStore,
    objects: storage && new ArtifactObjects(storage),
    settings: { outputFolder: config.recording.outputFolder, expirationDays: config.recording.expirationDays },
  });
  shared.runner.register(
    speakersJob({
      findById: (id) => store.findById(id),
      artifacts,
      objects: storage && new ArtifactObjects(storage),
      settings: { ...config.artifacts.speakers, outputFolder: config.recording.outputFolder },
    }),
  );
  return { artifactTokens, artifacts, artifactStore };
}
