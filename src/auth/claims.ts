import { z } from 'zod';
import { canonicalLocale, canonicalZone } from '../util/intl';
import type { AuthUser } from './user';

const ROLES = ['owner', 'administrator', 'member'] as const;
const emailFormat = z.email();
/** NUL cannot be stored in PostgreSQL text; other control characters have no place in an identifier. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Optional claims: a wrong type, an invalid value or an absurd length is treated as absent, not as an error. */
function text(v: unknown, max: number): string | null {
  return typeof v === 'string' && v.trim() !== '' && v.length <= max && !v.includes('\u0000') ? v.trim() : null;
}

function email(v: unknown): string | null {
  return typeof v === 'string' && v.length <= 320 && emailFormat.safeParse(v).success ? v : null;
}

/** `rooms`: map of room name -> role; entries with unknown roles are ignored. */
function rooms(v: unknown): AuthUser['rooms'] {
  const out: AuthUser['rooms'] = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [room, role] of Object.entries(v as Record<string, unknown>)) {
    if (room.length > 0 && room.length <= 255 && !CONTROL_CHARACTER.test(room) && typeof role === 'string' && (ROLES as readonly string[]).includes(role)) {
      out[room] = role as AuthUser['rooms'][string];
    }
  }
  return out;
}

/** The `sub` of a verified JWT payload; null when missing or unusable (too long, a control character). */
export function subjectFromClaims(payload: unknown): string | null {
  if (!payload || typeof payload !== 'object') return null;
  const sub = (payload as Record<string, unknown>).sub;
  return typeof sub === 'string' && sub.length > 0 && sub.length <= 255 && !CONTROL_CHARACTER.test(sub) ? sub : null;
}

/** The user a verified JWT payload describes; null when `sub` is missing or unusable. */
export function userFromClaims(payload: unknown): AuthUser | null {
  const sub = subjectFromClaims(payload);
  if (sub === null) return null;
  const claims = payload as Record<string, unknown>;
  return {
    sub,
    email: email(claims.email),
    name: text(claims.name, 255),
    locale: canonicalLocale(claims.locale),
    zoneinfo: typeof claims.zoneinfo === 'string' && canonicalZone(claims.zoneinfo) ? claims.zoneinfo : null,
    rooms: rooms(claims.rooms),
  };
}
