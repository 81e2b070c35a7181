import { z } from 'zod';

/** Environment variables are strings; these helpers turn them into typed values with readable errors. */

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

export const envUrl = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      try {
        const url = new URL(value.trim());
        if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new Error('protocol');
        return value.trim().replace(/\/+$/, '');
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL' });
        return z.NEVER;
      }
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
        try {
          const u = new URL(raw);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
          urls.push(raw.replace(/\/+$/, ''));
        } catch {
          ctx.addIssue({ code: 'custom', message: `"${raw}" is not an http(s) URL` });
          return z.NEVER;
        }
      }
      return urls;
    });
