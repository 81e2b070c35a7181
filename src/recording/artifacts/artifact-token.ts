import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * The artifact token of `recording.ready`: an HS256 JWT that lets a processing service write
 * the artifacts of one recording, and nothing else. Its own audience and its own key (derived
 * from the download-link key, never the user-JWT key), so it never passes for a user token, a
 * download link or a share-media token, and none of those for it. Whether its recording may
 * still be written (not deleted, not expired) is checked on every use, by the artifact service.
 */
export const ARTIFACT_TOKEN_AUDIENCE = 'recording-artifacts';
const SCOPE = 'artifacts:write';
const MAX_TOKEN_LENGTH = 4096;

export function deriveArtifactTokenKey(secret: string): KeyObject {
  if (typeof secret !== 'string' || secret.length < 16) throw new Error('artifact token: secret too short');
  const key = hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'recording-artifact-token/v1', 32);
  return createSecretKey(Buffer.from(key));
}

export interface ArtifactTokenSecret {
  get(): Promise<string>;
}

export class ArtifactTokens {
  private key: { secret: string; key: KeyObject } | undefined;

  constructor(
    private readonly secret: ArtifactTokenSecret,
    private readonly ttlSeconds: number,
  ) {}

  async sign(recordingId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.ttlSeconds;
    const token = jwt.sign({ rid: recordingId, scope: SCOPE, iat, exp }, await this.keyObject(), {
      algorithm: 'HS256',
      audience: ARTIFACT_TOKEN_AUDIENCE,
      subject: recordingId,
    });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The recording the token was issued for, or null (bad signature, audience, scope or expiry). */
  async verify(token: string, now = new Date()): Promise<string | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const payload = jwt.verify(token, await this.keyObject(), {
        algorithms: ['HS256'],
        audience: ARTIFACT_TOKEN_AUDIENCE,
        clockTimestamp: Math.floor(now.getTime() / 1000),
      });
      if (typeof payload !== 'object' || payload === null) return null;
      const { rid, sub, scope, exp, aud } = payload as Record<string, unknown>;
      // jsonwebtoken checks exp only when present, and accepts a list of audiences containing ours.
      if (typeof exp !== 'number' || aud !== ARTIFACT_TOKEN_AUDIENCE || scope !== SCOPE) return null;
      if (typeof rid !== 'string' || rid === '' || sub !== rid) return null;
      return rid;
    } catch {
      return null;
    }
  }

  private async keyObject(): Promise<KeyObject> {
    const secret = await this.secret.get();
    if (this.key?.secret !== secret) this.key = { secret, key: deriveArtifactTokenKey(secret) };
    return this.key.key;
  }
}
