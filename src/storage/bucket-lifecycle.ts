import type { Client, LifecycleConfig, LifecycleRule } from 'minio';
import { withTimeout } from '../util/with-timeout';
import { RETENTION_TAG_KEY, RETENTION_TAG_VALUE } from './retention-tag';

/** ID of the one rule this service owns in the bucket's lifecycle configuration. */
export const LIFECYCLE_RULE_ID = 'recording-orchestrator-expire-recordings';

export interface LifecycleTarget {
  client: Client;
  bucket: string;
}

export interface RecordingLifecycle {
  /** RECORDING_OUTPUT_FOLDER: the rule covers `{folder}/`. */
  outputFolder: string;
  /** RECORDING_EXPIRATION_DAYS. */
  expirationDays: number;
  timeoutMs: number;
}

export type LifecycleOutcome =
  | { result: 'applied'; keptRules: number; untaggedRules: string[] }
  | { result: 'unchanged'; untaggedRules: string[] }
  | { result: 'refused'; stage: 'read' | 'write'; reason: string };

/**
 * Our rule: objects under `{folder}/` that carry the retention tag expire after the given days.
 * Only files of non-permanent recordings carry the tag (src/storage/retention-tag.ts), so the
 * rule can never delete a permanent recording's file.
 */
export function recordingExpiryRule(outputFolder: string, expirationDays: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    // S3's XML has one <Tag> element per tag inside <And>; minio's typing calls the list `Tags`,
    // but its XML builder writes the keys as given.
    Filter: { And: { Prefix: `${outputFolder}/`, Tag: [{ Key: RETENTION_TAG_KEY, Value: RETENTION_TAG_VALUE }] } } as unknown as LifecycleRule['Filter'],
    Expiration: { Days: expirationDays },
  };
}

function errorReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = [e?.code, e?.message].filter(Boolean).join(': ');
  return (text || String(err)).slice(0, 300);
}

/** The parsed configuration's rules as a list (the XML parser gives one rule as an object). */
function rulesOf(config: LifecycleConfig | null | undefined): LifecycleRule[] {
  const rules = (config as { Rule?: LifecycleRule | LifecycleRule[] } | null | undefined)?.Rule;
  if (!rules) return [];
  return Array.isArray(rules) ? rules : [rules];
}

const listOf = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface ParsedFilter {
  Prefix?: string;
  Tag?: { Key?: string; Value?: string } | { Key?: string; Value?: string }[];
  And?: { Prefix?: string; Tag?: { Key?: string; Value?: string } | { Key?: string; Value?: string }[] };
}

/** The rule's prefix and tags as the storage gave them back (the XML parser gives one element as an object). */
function filterOf(rule: LifecycleRule): { prefix: string; tags: { Key?: string; Value?: string }[] } {
  const filter = (rule.Filter ?? {}) as ParsedFilter;
  if (filter.And) return { prefix: String(filter.And.Prefix ?? ''), tags: listOf(filter.And.Tag) };
  return { prefix: String(filter.Prefix ?? rule.Prefix ?? ''), tags: listOf(filter.Tag) };
}

function sameRule(a: LifecycleRule, b: LifecycleRule): boolean {
  const fa = filterOf(a);
  const fb = filterOf(b);
  return (
    a.Status === b.Status &&
    fa.prefix === fb.prefix &&
    fa.tags.length === fb.tags.length &&
    fa.tags.every((t, i) => t.Key === fb.tags[i]!.Key && String(t.Value) === fb.tags[i]!.Value) &&
    Number(a.Expiration?.Days) === b.Expiration?.Days
  );
}

/**
 * IDs of the other rules that expire objects under the folder whatever their tags: they would
 * delete permanent recordings too. They are the operator's, so they
 * are kept; the caller warns about them.
 */
function untaggedExpiryRules(rules: LifecycleRule[], outputFolder: string): string[] {
  const folder = `${outputFolder}/`;
  return rules
    .filter((r) => r.Status === 'Enabled' && r.Expiration !== undefined && (r.Expiration.Days !== undefined || r.Expiration.Date !== undefined))
    .filter((r) => {
      const { prefix, tags } = filterOf(r);
      const overlaps = folder.startsWith(prefix) || prefix.startsWith(folder);
      // A rule on other tags never matches project files: they carry the retention tag only.
      return overlaps && tags.length === 0;
    })
    .map((r) => String(r.ID ?? '(no id)'));
}

/**
 * Makes the bucket expire the files of non-permanent recordings after RECORDING_EXPIRATION_DAYS,
 * as media-auth already refuses them. A PUT replaces the bucket's whole lifecycle
 * configuration, so the current one is read first and every rule but ours (by its ID) is
 * written back unchanged; if it cannot be read, nothing
 * is written (an operator's rules are never dropped blindly). Never throws: the outcome says
 * whether the storage refused, for the caller to log.
 */
export async function applyRecordingLifecycle(target: LifecycleTarget, settings: RecordingLifecycle): Promise<LifecycleOutcome> {
  const wanted = recordingExpiryRule(settings.outputFolder, settings.expirationDays);
  let current: LifecycleRule[];
  try {
    current = rulesOf(await withTimeout(target.client.getBucketLifecycle(target.bucket), settings.timeoutMs, 'storage getBucketLifecycle'));
  } catch (err) {
    if ((err as { code?: string }).code === 'NoSuchLifecycleConfiguration') current = [];
    else return { result: 'refused', stage: 'read', reason: errorReason(err) };
  }

  const ours = current.filter((r) => r.ID === LIFECYCLE_RULE_ID);
  const others = current.filter((r) => r.ID !== LIFECYCLE_RULE_ID);
  const untaggedRules = untaggedExpiryRules(others, settings.outputFolder);
  if (ours.length === 1 && sameRule(ours[0]!, wanted)) return { result: 'unchanged', untaggedRules };

  try {
    await withTimeout(
      target.client.setBucketLifecycle(target.bucket, { Rule: [...others, wanted] }),
      settings.timeoutMs,
      'storage setBucketLifecycle',
    );
  } catch (err) {
    return { result: 'refused', stage: 'write', reason: errorReason(err) };
  }
  return { result: 'applied', keptRules: others.length, untaggedRules };
}

/**
 * At start-up, when RECORDING_APPLY_BUCKET_LIFECYCLE asks for it: the expiry rule on the bucket,
 * logged either way (a storage that refuses it keeps files, and the operator must know).
 */
export async function ensureRecordingLifecycle(
  storage: { client: Client; bucket: string; settings: { timeoutMs: number } } | undefined,
  settings: { outputFolder: string; expirationDays: number | undefined; applyBucketLifecycle: boolean },
  log: { info(obj: object, msg: string): void; warn(obj: object | string, msg?: string): void },
): Promise<void> {
  const { applyBucketLifecycle, expirationDays, outputFolder } = settings;
  if (!applyBucketLifecycle || !expirationDays) return;
  if (!storage) {
    log.warn('RECORDING_APPLY_BUCKET_LIFECYCLE is true but the storage is not configured: no lifecycle rule set');
    return;
  }
  const outcome = await applyRecordingLifecycle(
    { client: storage.client, bucket: storage.bucket },
    { outputFolder, expirationDays, timeoutMs: storage.settings.timeoutMs },
  );
  if (outcome.result === 'refused') {
    log.warn(
      { bucket: storage.bucket, stage: outcome.stage, reason: outcome.reason },
      `storage refused the bucket lifecycle rule: objects under ${outputFolder}/ will NOT be deleted after ${expirationDays} days ` +
        '(expired recordings are still refused for download); set the tag-filtered expiry rule on the bucket yourself (see README)',
    );
    return;
  }
  log.info(
    { bucket: storage.bucket, result: outcome.result, days: expirationDays, prefix: `${outputFolder}/`, tag: `${RETENTION_TAG_KEY}=${RETENTION_TAG_VALUE}` },
    'bucket lifecycle rule in place (tagged files of non-permanent recordings only)',
  );
  if (outcome.untaggedRules.length > 0) {
    log.warn(
      { bucket: storage.bucket, rules: outcome.untaggedRules },
      `other lifecycle rules on the bucket expire objects under ${outputFolder}/ without the ${RETENTION_TAG_KEY} tag filter: ` +
        'they delete permanent recordings too; they were kept as they are (remove them or add the tag filter)',
    );
  }
}
