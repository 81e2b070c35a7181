import type { Client, LifecycleConfig, LifecycleRule } from 'minio';
import { withTimeout } from '../util/with-timeout';

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
  | { result: 'applied'; keptRules: number }
  | { result: 'unchanged' }
  | { result: 'refused'; stage: 'read' | 'write'; reason: string };

export function recordingExpiryRule(outputFolder: string, expirationDays: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: `${outputFolder}/` },
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

function sameRule(a: LifecycleRule, b: LifecycleRule): boolean {
  return (
    a.Status === b.Status &&
    (a.Filter?.Prefix ?? a.Prefix) === b.Filter?.Prefix &&
    Number(a.Expiration?.Days) === b.Expiration?.Days &&
    !a.Filter?.And &&
    !a.Filter?.Tag
  );
}

/**
 * Makes the bucket expire recordings after RECORDING_EXPIRATION_DAYS, as media-auth already
 * refuses them. A PUT replaces the bucket's whole lifecycle configuration, so the current one is
 * read first and every rule but ours is written back unchanged; if it cannot be read, nothing
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
  if (ours.length === 1 && sameRule(ours[0]!, wanted)) return { result: 'unchanged' };

  try {
    await withTimeout(
      target.client.setBucketLifecycle(target.bucket, { Rule: [...others, wanted] }),
      settings.timeoutMs,
      'storage setBucketLifecycle',
    );
  } catch (err) {
    return { result: 'refused', stage: 'write', reason: errorReason(err) };
  }
  return { result: 'applied', keptRules: others.length };
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
        '(expired recordings are still refused for download); set an expiry rule on the bucket yourself',
    );
  } else {
    log.info({ bucket: storage.bucket, result: outcome.result, days: expirationDays, prefix: `${outputFolder}/` }, 'bucket lifecycle rule in place');
  }
}
