import { OidcSignIn } from '../auth/oidc-sign-in';
import { PageSessions } from '../auth/page-session';
import { PageSessionStore } from '../auth/page-session-store';
import { TokenVerifier } from '../auth/token-verifier';
import { DownloadSecret } from '../downloads/download-secret';
import { MediaAuthorizer } from '../downloads/media-authorizer';
import { RecordingPages } from '../pages/recording-page';
import { ArchiveLinks } from '../recording/library/archive-links';
import { RecordingFiles } from '../recording/recording-files';
import type { RecordingService } from '../recording/recording-service';
import { ShareLinkService } from '../recording/share-links';
import type { RecordingStore } from '../recording/store/recording-store';
import { ShareLinkStore } from '../recording/store/share-link-store';
import { ArtifactObjects } from '../storage/artifact-objects';
import { RECURRING_LEASE_MS, type Shared } from './compose-shared';

/**
 * Who may see what: user tokens, download-link keys, share links, the recording page, sign-in
 * sessions (only with OIDC; ended ones pruned every 10 minutes) and media-auth's decision.
 */
export function composeAccess(shared: Shared, { store, recordings }: { store: RecordingStore; recordings: RecordingService }, devSecret: string | undefined) {
  const { config, db, runner } = shared;
  const { auth, pages, server, recording, downloads } = config;
  const verifier = new TokenVerifier({ secret: auth.secret ?? devSecret, publicKey: auth.publicKey, issuer: auth.issuer, audience: auth.audience });
  const downloadSecret = new DownloadSecret(config, db.sql);
  const shareLinks = new ShareLinkService(recordings, store, new ShareLinkStore({ sql: db.sql, changes: store.accessChanges }), {
    ...pages.shareLinks,
    expirationDays: recording.expirationDays,
    publicUrl: server.publicUrl,
  });
  const recordingPages = new RecordingPages({
    recordings,
    shareLinks,
    files: new RecordingFiles(recording.outputFolder),
    downloadSecret,
    settings: {
      mediaUrlPrefix: downloads.mediaUrlPrefix,
      expirationDays: recording.expirationDays,
      downloadLinkTtlSeconds: downloads.linkTtlSeconds,
      shareDefaultDays: pages.shareLinks.defaultDays,
      shareMaxDays: pages.shareLinks.maxDays,
    },
    artifacts: shared.storage && { reader: new ArtifactObjects(shared.storage), outputFolder: recording.outputFolder, maxBytes: config.artifacts.maxBytes },
  });
  const pageSessions = pages.oidc
    ? new PageSessions(downloadSecret, new PageSessionStore(db.sql, pages.sessionIdleMinutes * 60), server.publicUrl.startsWith('https:'))
    : undefined;
  if (pageSessions) runner.every({ kind: 'page-sessions.prune', intervalMs: 600_000, leaseMs: RECURRING_LEASE_MS, run: () => pageSessions.prune().then(() => undefined) });
  return {
    verifier,
    downloadSecret,
    shareLinks,
    recordingPages,
    pageSessions,
    archiveLinks: new ArchiveLinks(db.sql, downloadSecret, {
      origin: downloads.baseUrlSet ? new URL(downloads.baseUrl).origin : '',
      ttlSeconds: downloads.archiveLinkTtlSeconds,
      outputFolder: recording.outputFolder,
      expirationDays: recording.expirationDays,
      zone: config.email.defaultTimezone,
    }),
    archiveSource: shared.storage,
    oidc: pages.oidc ? new OidcSignIn(pages.oidc, `${server.publicUrl}/auth/oidc/callback`) : undefined,
    mediaAuthorizer: new MediaAuthorizer({ config, sql: db.sql, accessChanges: store.accessChanges, verifier, secret: downloadSecret, sessions: pageSessions }),
  };
}
