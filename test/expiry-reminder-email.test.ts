import { renderExpiryReminderEmail, type ExpiryReminderEmailInput } from '../src/notifications/expiry-reminder-email';

const DEFAULTS = { locale: 'en', timezone: 'UTC' };
// 22:15 UTC on 3 June is 00:15 on 4 June in Paris, Berlin and Amsterdam (summer time).
const EXPIRES_AT = new Date('2026-06-03T22:15:00Z');
const LINK = 'https://meet.example.org/recordings/5f0c7e9a-8d4b-4a53-9d7e-3c2a1b0f9e11';

function input(overrides: Partial<ExpiryReminderEmailInput> = {}): ExpiryReminderEmailInput {
  return {
    locale: 'fr-FR',
    timezone: 'Europe/Paris',
    recipientName: 'Camille',
    room: 'weekly-sync',
    recordedAt: new Date('2026-05-04T22:15:00Z'),
    expiresAt: EXPIRES_AT,
    url: LINK,
    canKeep: true,
    brandName: 'Visio',
    supportEmail: null,
    ...overrides,
  };
}

describe('renderExpiryReminderEmail', () => {
  it('says when the recording is deleted, in the owner\'s language and zone, with the link', () => {
    const cases: [string, string, RegExp, string][] = [
      ['fr-FR', 'Europe/Paris', /^Votre enregistrement de « weekly-sync » sera supprimé le jeudi 4 juin 2026$/, 'à 00:15'],
      ['de-DE', 'Europe/Berlin', /^Ihre Aufnahme von „weekly-sync“ wird am Donnerstag, 4\. Juni 2026 gelöscht$/, 'um 00:15'],
      ['nl-NL', 'Europe/Amsterdam', /^Uw opname van “weekly-sync” wordt verwijderd op donderdag 4 juni 2026$/, 'om 00:15'],
      ['en-US', 'UTC', /^Your recording of “weekly-sync” will be deleted on Wednesday, June 3, 2026$/, 'at 10:15'],
    ];
    for (const [locale, timezone, subject, time] of cases) {
      const email = renderExpiryReminderEmail(input({ locale, timezone }), DEFAULTS);
      expect(email.subject).toMatch(subject);
      for (const part of [email.text, email.html]) {
        expect(part).toContain(time);
        expect(part).toContain(LINK);
        expect(part).toContain(timezone);
      }
      expect(email.html).toContain(`href="${LINK}"`);
    }
  });

  it('says the owner can keep it only where permanent recordings are allowed', () => {
    expect(renderExpiryReminderEmail(input(), DEFAULTS).text).toContain('rendez-le permanent');
    const off = renderExpiryReminderEmail(input({ canKeep: false }), DEFAULTS);
    expect(off.text).not.toMatch(/permanent/);
    expect(off.html).not.toMatch(/permanent/);
    expect(renderExpiryReminderEmail(input({ locale: 'en', canKeep: false }), DEFAULTS).text).not.toMatch(/permanent|keep/i);
  });

  it('escapes the room name and strips line breaks from it', () => {
    const email = renderExpiryReminderEmail(input({ room: '<b>r&d</b>\r\nBcc: x@example.org' }), DEFAULTS);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.html).toContain('&lt;b&gt;r&amp;d&lt;/b&gt;');
    expect(email.html).not.toContain('<b>r&d</b>');
  });
});
