import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * TRUST_PROXY in the forms Express's `trust proxy` setting takes, typed so Express reads each
 * as meant: a hop count must reach Express as a number (the string "1" is read as the address
 * 0.0.0.1, which trusts nobody), names and addresses as a list.
 */
export type TrustProxy = boolean | number | string[];

/** proxy-addr's (Express's) names for address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

const EXPECTED =
  'expected a hop count (e.g. 1), true, false, or a comma-separated list of loopback, linklocal, uniquelocal, IP addresses and CIDR ranges';

function validEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address || address.includes('%')) return false; // no zone ids: Express cannot match them
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Returns the setting, undefined when unset, or the first entry that is none of the forms. */
export function parseTrustProxy(raw: string | undefined): { value: TrustProxy | undefined } | { invalid: string } {
  const text = (raw ?? '').trim();
  if (text === '') return { value: undefined };
  const lower = text.toLowerCase();
  if (lower === 'true') return { value: true };
  if (lower === 'false') return { value: false };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return Number.isSafeInteger(hops) ? { value: hops } : { invalid: text };
  }
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return { invalid: text };
  const names = entries.map((e) => (RANGE_NAMES.has(e.toLowerCase()) ? e.toLowerCase() : e));
  const invalid = names.find((e) => !validEntry(e));
  return invalid === undefined ? { value: names } : { invalid };
}

/** The zod field: `TRUST_PROXY: "<entry>" is not ...` on a bad value. */
export const envTrustProxy = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if ('value' in parsed) return parsed.value;
      ctx.addIssue({ code: 'custom', message: `"${parsed.invalid}" is not valid: ${EXPECTED}` });
      return z.NEVER;
    });
