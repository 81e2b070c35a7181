import { isNotImplemented } from './object-storage';

/**
 * The object tag that puts a recording's file under the bucket's expiry rule. The lifecycle rule
 * the project installs (src/storage/bucket-lifecycle.ts, deploy/minio/setup.sh) only matches
 * objects that carry it, and only files of non-permanent recordings carry it: the service sets
 * it after a recording is saved and removes it when a recording is made permanent. A file
 * without the tag is never deleted by that rule, so every failure (a tag not yet set, a storage
 * that refuses tagging) errs on the side of keeping the file.
 */
export const RETENTION_TAG_KEY = 'recording-retention';
export const RETENTION_TAG_VALUE = 'expire';

/** What tagging needs from the object storage (src/storage/object-storage.ts). */
export interface TaggableStorage {
  /** false when the object does not exist. */
  setObjectTags(key: string, tags: Record<string, string>): Promise<boolean>;
  removeObjectTags(key: string): Promise<boolean>;
}

/** Sets or removes the retention tag on a recording's files; a file not there yet is skipped. */
export class RetentionTagger {
  constructor(private readonly storage: TaggableStorage) {}

  /** The files may expire (non-permanent recording). */
  async mark(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.storage.setObjectTags(key, { [RETENTION_TAG_KEY]: RETENTION_TAG_VALUE });
  }

  /**
   * The files must be kept (permanent recording). Project files carry no other tag, so all are
   * removed. A storage that implements no object tagging at all holds no tag to remove.
   */
  async unmark(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.storage.removeObjectTags(key);
      } catch (err) {
        if (!isNotImplemented(err)) throw err;
      }
    }
  }
}
