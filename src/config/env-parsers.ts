import { z } from 'zod';
import { canonicalLocale, canonicalZone } from '../util/intl';

/** Environment variables are strings; these turn them into typed values with readable errors. */

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export const envBool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const v = value.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      ctx.addIssue({ code: 'custom', message: 'expected true or false' });
      return z.NEVER;
    });

export const envInt = (opts: { min?: number; max?: number } = {}) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const n = Number(value.trim());
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

function urlWith(raw: string, protocols: readonly string[]): string | null {
  try {
    return protocols.includes(new URL(raw).protocol) ? raw.replace(/\/+$/, '') : null;
  } catch {
    return null;
  }
}

/** An http(s) (or ws(s), as LiveKit URLs may be written) URL, without a trailing slash. */
export const envUrl = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const url = urlWith(value.trim(), ['http:', 'https:', 'ws:', 'wss:']);
      if (url) return url;
      ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL' });
      return z.NEVER;
    });

export const envString = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const envUrlList = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return [] as string[];
      const urls: string[] = [];
      for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        const url = urlWith(raw, ['http:', 'https:']);
        if (!url) {
          ctx.addIssue({ code: 'custom', message: `"${raw}" is not an http(s) URL` });
          return z.NEVER;
        }
        urls.push(url);
      }
      return urls;
    });

/** A comma-separated list of plain values. */
export const envList = () =>
  z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** A value checked (and put in canonical form) by `canonical`, with a fallback when unset. */
const envCanonical = (fallback: string, canonical: (v: string) => string | null, message: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const v = (value ?? '').trim() || fallback;
      if (canonical(v)) return v;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });

export const envLocale = (fallback: string) =>
  envCanonical(fallback, canonicalLocale, 'expected a BCP 47 language tag such as en or fr-FR').transform((v) => canonicalLocale(v)!);

export const envZone = (fallback: string) => envCanonical(fallback, canonicalZone, 'expected an IANA time zone such as Europe/Paris');

/** A key path: `recordings` or `a/b`, letters, digits, `_` and `-`. */
export const envFolder = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const v = (value ?? '').trim() || fallback;
      if (/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(v)) return v;
      ctx.addIssue({ code: 'custom', message: `expected a folder name such as "${fallback}" (letters, digits, _ - /)` });
      return z.NEVER;
    });

/** Reports a rule that spans several variables on the one the operator must change. */
export function issue(ctx: z.RefinementCtx, variable: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [variable], message });
}

/** A group of settings that only make sense together: all set (true), none set (false), else an issue on the first missing one. */
export function requireTogether<K extends string>(
  ctx: z.RefinementCtx,
  env: Partial<Record<K, unknown>>,
  names: readonly K[],
  group: string,
): boolean {
  const set = names.filter((n) => env[n] !== undefined);
  if (set.length === 0) return false;
  const missing = names.filter((n) => env[n] === undefined);
  if (missing.length > 0) {
    issue(ctx, missing[0]!, `required when ${group} is configured (${set[0]} is set)`);
    return false;
  }
  return true;
}
