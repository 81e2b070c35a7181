import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/config';
import type { Sql } from '../db/sql';
import { statement } from '../db/sql';
import { withTimeout } from '../util/with-timeout';
import { deriveDownloadTokenSecret } from './download-token';

/** Row name in `service_secrets`. */
export const DOWNLOAD_SECRET_NAME = 'download_link_secret';
const DB_TIMEOUT_MS = 5000;

/**
 * The key that signs download-link tokens, in order of preference:
 * 1. DOWNLOAD_LINK_SECRET, as is;
 * 2. derived from AUTH_JWT_SECRET (never the user-JWT key itself, see deriveDownloadTokenSecret);
 * 3. with a public-key or development setup there is no shared secret to derive from: a random
 *    one is generated once and kept in `service_secrets`, so every instance (and every restart)
 *    signs and checks links with the same key.
 */
export class DownloadSecret {
  private value: string | undefined;
  private loading: Promise<string> | null = null;

  constructor(
    config: Pick<AppConfig, 'downloads' | 'auth'>,
    private readonly sql: Sql,
  ) {
    if (config.downloads.linkSecret) this.value = config.downloads.linkSecret;
    else if (config.auth.secret) this.value = deriveDownloadTokenSecret(config.auth.secret);
  }

  /** The key once known (always, unless it lives in the database and has not been read yet). */
  get current(): string | undefined {
    return this.value;
  }

  /** The key; reads (or creates) the stored one on first use. A failed read is retried next time. */
  get(): Promise<string> {
    if (this.value !== undefined) return Promise.resolve(this.value);
    this.loading ??= this.loadStored().then(
      (value) => {
        this.value = value;
        return value;
      },
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  private async loadStored(): Promise<string> {
    const candidate = randomBytes(32).toString('base64url');
    // Several instances may start together: the first insert wins, everyone reads the winner
    // (the read is a statement of its own, so it sees a row another instance committed meanwhile).
    const rows = await withTimeout(
      this.sql.transaction(async (tx) => {
        await tx.query(INSERT_SECRET, [DOWNLOAD_SECRET_NAME, candidate]);
        return tx.query<{ value: string }>(READ_SECRET, [DOWNLOAD_SECRET_NAME]);
      }),
      DB_TIMEOUT_MS,
      'download secret read',
    );
    const value = rows[0]?.value;
    if (typeof value !== 'string' || value.length < 32) throw new Error('service_secrets: download_link_secret is missing or too short');
    return value;
  }
}

const INSERT_SECRET = statement('download_secret_insert', 'INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING');
const READ_SECRET = statement('download_secret_read', 'SELECT value FROM service_secrets WHERE name = $1');
