import { eventually, minioFixture, postStorageEvent, queryDb, statusOf, stoppedRecording, jobsSettled } from './helpers/flow';
import type { TestService, TestUser } from './helpers/service';
import type { TestSmtpServer } from './helpers/smtp';
import { startStack, type TestStack } from './helpers/stack';

let stack: TestStack;
let svc: TestService;
let smtp: TestSmtpServer;

beforeAll(async () => {
  stack = await startStack({
    EMAIL_FROM: 'Recordings <recordings@meet.example.org>',
    EMAIL_BRAND_NAME: 'Meet Example',
    EMAIL_SUPPORT_EMAIL: 'support@meet.example.org',
    RECORDING_DOWNLOAD_BASE_URL: 'https://meet.example.org/recording',
    RECORDING_EXPIRATION_DAYS: '7',
    EMAIL_POLL_INTERVAL_MS: '100',
    EMAIL_RETRY_BASE_MS: '100',
    EMAIL_RETRY_MAX_MS: '300',
    // Not short: under a loaded machine a send slower than this would be retried and arrive twice.
    EMAIL_TIMEOUT_MS: '5000',
  });
  ({ svc, smtp } = stack);
});
afterAll(() => stack?.close());

async function saveAndWait(user: TestUser, room: string) {
  const id = await stoppedRecording(svc.url, user, room);
  const res = await postStorageEvent(svc.url, minioFixture('put-recording.json', id));
  expect(res.body).toEqual({ message: 'Event processed.' });
  await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 10_000, `notification of ${id}`);
  const [row] = await queryDb<{ created_at: Date }>(svc.db.url, 'SELECT created_at FROM recordings WHERE id = $1', [id]);
  const mails = smtp.messages.filter((m) => m.to.includes(user.email!));
  expect(mails).toHaveLength(1);
  return { id, mail: mails[0]!, createdAt: row!.created_at };
}

/** The wall-clock hour and minute in `zone`, as digits ("11:27", or "1:37" on a 12-hour clock). */
function timeIn(zone: string, date: Date, hourCycle: 'h23' | 'h12' = 'h23'): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: hourCycle === 'h23' ? '2-digit' : 'numeric', minute: '2-digit', hourCycle }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('hour')}:${get('minute')}`;
}

describe('start -> stop -> MinIO event -> one localized email', () => {
  it('French for a fr-FR owner, with the time in Europe/Paris', async () => {
    const user: TestUser = { sub: 'fr', email: 'camille@example.fr', name: 'Camille', locale: 'fr-FR', zoneinfo: 'Europe/Paris', rooms: { 'réunion-hebdo': 'owner' } };
    const { id, mail, createdAt } = await saveAndWait(user, 'réunion-hebdo');
    expect(mail.text).toContain('réunion-hebdo');
    expect(mail.text).toContain(`https://meet.example.org/recording/${id}`);
    expect(mail.text).toContain(timeIn('Europe/Paris', createdAt));
    expect(mail.text).toMatch(/enregistrement/i);
    expect(mail.html).toContain(`https://meet.example.org/recording/${id}`);
    expect(mail.text).toContain('support@meet.example.org');
    expect(mail.text).toContain('Meet Example');
    expect(mail.subject).toMatch(/enregistrement/i);
  });

  it('German for a de-DE owner', async () => {
    const user: TestUser = { sub: 'de', email: 'jonas@example.de', locale: 'de-DE', zoneinfo: 'Europe/Berlin', rooms: { teamrunde: 'owner' } };
    const { mail, createdAt } = await saveAndWait(user, 'teamrunde');
    expect(mail.subject).toMatch(/Aufnahme/);
    expect(mail.text).toMatch(/Uhrzeit|Datum/);
    expect(mail.text).toContain(timeIn('Europe/Berlin', createdAt));
  });

  it('English fallback for an unknown locale, in the owner\'s zone', async () => {
    const user: TestUser = { sub: 'xx', email: 'who@example.org', locale: 'xx-YY', zoneinfo: 'Asia/Tokyo', rooms: { standup: 'owner' } };
    const { mail, createdAt } = await saveAndWait(user, 'standup');
    expect(mail.subject).toMatch(/recording/i);
    expect(mail.text).toContain(`Time: ${timeIn('Asia/Tokyo', createdAt, 'h12')}`);
    expect(mail.text).toContain('Asia/Tokyo');
    expect(mail.text).toMatch(/available until/i);
  });
});

describe('SMTP outage', () => {
  it('delays emails, loses none, sends none twice', async () => {
    smtp.clear();
    await smtp.stop();
    const users: TestUser[] = [1, 2, 3].map((n) => ({ sub: `outage-${n}`, email: `outage${n}@example.org`, rooms: { [`outage-${n}`]: 'owner' } }));
    const ids: string[] = [];
    for (const [n, user] of users.entries()) {
      const id = await stoppedRecording(svc.url, user, `outage-${n + 1}`);
      expect((await postStorageEvent(svc.url, minioFixture('put-recording.json', id))).body).toEqual({ message: 'Event processed.' });
      // MinIO retrying the delivery must not pretend the email went out.
      expect((await postStorageEvent(svc.url, minioFixture('put-recording.json', id))).body).toEqual({ message: 'Event processed.' });
      expect(await statusOf(svc.db.url, id)).toBe('saved');
      ids.push(id);
    }
    // The sender tries and fails while SMTP is down.
    await eventually(async () => {
      const rows = await queryDb<{ attempts: number }>(svc.db.url, "SELECT attempts FROM jobs WHERE kind = 'email.recording-saved' AND recording_id = ANY($1)", [ids]);
      return rows.length === 3 && rows.every((r) => r.attempts >= 2);
    }, 15_000, 'failed attempts');
    for (const id of ids) expect(await statusOf(svc.db.url, id)).toBe('saved');

    await smtp.restart();
    for (const id of ids) {
      await eventually(async () => (await statusOf(svc.db.url, id)) === 'notification_succeeded', 15_000, 'delivery after outage');
    }
    await jobsSettled(svc.db.url, 'email.%');
    for (const user of users) {
      expect(smtp.messages.filter((m) => m.to.includes(user.email!))).toHaveLength(1);
    }
  });

  it('a temporary 4xx rejection is retried', async () => {
    smtp.rejectWith(451, 'try again later', 1);
    const user: TestUser = { sub: 'greylisted', email: 'grey@example.org', rooms: { grey: 'owner' } };
    await saveAndWait(user, 'grey');
  });
});
