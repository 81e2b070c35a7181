import request from 'supertest';
import type { FakeLivekitServer } from './fakes/livekit-server';
import { ageRecording, metricValue, retrySweepJobsNow, runExpirySweep } from './helpers/expiry';
import { eventually, queryDb, jobsSettled } from './helpers/flow';
import { startFakeLivekit } from './helpers/livekit-env';
import { startS3Server, s3Env, type TestS3 } from './helpers/s3';
import { savedRecording } from './helpers/saved-recording';
import { bearer, startTestService, type TestService, type TestUser } from './helpers/service';
import { startSmtpServer, type ReceivedMessage, type TestSmtpServer } from './helpers/smtp';

/**
 * The reminder before expiry (RECORDING_EXPIRY_REMINDER_DAYS=7 of RECORDING_EXPIRATION_DAYS=30):
 * queued by the service's expiry sweep, sent through the jobs outbox to a real SMTP server, in
 * the owner's language and zone. Recordings are aged by SQL.
 */

const DAYS = 30;
const REMINDER_DAYS = 7;
const DAY_MS = 86_400_000;
const BASE = 'https://meet.example.org/recordings';
const rooms = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`rem-${i}`, 'owner']));
const camille: TestUser = { sub: 'rem-camille', email: 'camille@example.org', name: 'Camille', locale: 'fr-FR', zoneinfo: 'Europe/Paris', rooms };
const dana: TestUser = { sub: 'rem-dana', email: 'dana@example.org', name: 'Dana', locale: 'en-US', zoneinfo: 'America/New_York', rooms };
const silent: TestUser = { sub: 'rem-silent', rooms };
const media = { bytes: Buffer.from('mp4 bytes'), contentType: 'video/mp4' };

let s3: TestS3;
let smtp: TestSmtpServer;
let livekit: FakeLivekitServer;
let svc: TestService;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3Server();
  smtp = await startSmtpServer();
  const fake = await startFakeLivekit();
  livekit = fake.livekit;
  env = {
    ...fake.env,
    ...s3Env(s3),
    ...smtp.env,
    RECORDING_EXPIRATION_DAYS: String(DAYS),
    RECORDING_EXPIRY_REMINDER_DAYS: String(REMINDER_DAYS),
    RECORDING_ALLOW_PERMANENT: 'true',
    RECORDING_DOWNLOAD_BASE_URL: BASE,
    JOBS_POLL_INTERVAL_MS: '100',
    EMAIL_RETRY_BASE_MS: '5000',
  };
  svc = await startTestService(env);
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await livekit?.close();
  await smtp?.stop();
  await s3?.close();
});

/** A saved recording of `user`, its "recording saved" email received and forgotten. */
async function saved(user: TestUser, room: string): Promise<string> {
  const before = smtp.messages.length;
  const rec = await savedRecording(svc.url, s3, user, room, media);
  if (user.email) await smtp.waitForMessages(before + 1);
  await eventually(async () => {
    const [row] = await queryDb<{ status: string }>(svc.db.url, 'SELECT status FROM recordings WHERE id = $1', [rec.id]);
    return row?.status === 'notification_succeeded';
  }, 10_000, 'the saved email done');
  return rec.id;
}

const remindersAbout = (id: string): ReceivedMessage[] => smtp.messages.filter((m) => m.text.includes(`${BASE}/${id}`) && !m.subject.includes('prêt') && !m.subject.includes('ready'));

async function reminderJobs(id: string): Promise<{ status: string; last_error: string | null }[]> {
  return queryDb(svc.db.url, "SELECT status, last_error FROM jobs WHERE kind = 'email.expiry-reminder' AND recording_id = $1 ORDER BY created_at", [id]);
}

const patch = (id: string, isPermanent: boolean) =>
  request(svc.url).patch(`/api/v1.0/recordings/${id}/`).set(bearer(camille)).send({ is_permanent: isPermanent }).expect(200);

/** Sets the creation so the recording expires at `expiry`. */
const expireAt = (id: string, expiry: Date) =>
  queryDb(svc.db.url, 'UPDATE recordings SET created_at = $2 WHERE id = $1', [id, new Date(expiry.getTime() - DAYS * DAY_MS)]);

function frenchParis(at: Date): { date: string; time: string } {
  return {
    date: new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at),
    time: new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(at),
  };
}

it('reminds each owner with an address once, when the reminder moment has come: in French with the date in Europe/Paris for fr-FR; never twice, across a restart too', async () => {
  const mine = await saved(camille, 'rem-0');
  const hers = await saved(dana, 'rem-1');
  const nobody = await saved(silent, 'rem-2');
  const sentBefore = smtp.messages.length;

  // The reminder moment (7 days before expiry) is an hour away: nothing yet.
  for (const id of [mine, hers, nobody]) await ageRecording(svc.db.url, id, DAYS - REMINDER_DAYS - 1 / 24);
  await runExpirySweep(svc.db.url);
  expect(smtp.messages.length).toBe(sentBefore);
  expect(await reminderJobs(mine)).toEqual([]);

  // Expiry in three days, at 23:30 UTC: already the next day in Paris.
  const expiry = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 3, 23, 30));
  for (const id of [mine, hers, nobody]) await expireAt(id, expiry);
  await runExpirySweep(svc.db.url);
  await smtp.waitForMessages(sentBefore + 2);

  const [toCamille] = remindersAbout(mine);
  expect(remindersAbout(mine)).toHaveLength(1);
  expect(toCamille!.to).toEqual(['camille@example.org']);
  const paris = frenchParis(expiry);
  const utcDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(expiry);
  expect(paris.date).not.toBe(utcDay);
  expect(toCamille!.subject).toBe(`Votre enregistrement de « rem-0 » sera supprimé le ${paris.date}`);
  for (const part of [toCamille!.text, toCamille!.html]) {
    expect(part).toContain('Bonjour Camille,');
    expect(part).toContain(`expire le ${paris.date} à ${paris.time}`);
    expect(part).toContain('Europe/Paris (UTC+0');
    expect(part).toContain(`${BASE}/${mine}`);
    expect(part).toContain('rendez-le permanent');
    expect(part).not.toContain(utcDay);
  }
  expect(toCamille!.html).toContain('<html lang="fr">');

  const [toDana] = remindersAbout(hers);
  expect(remindersAbout(hers)).toHaveLength(1);
  expect(toDana!.to).toEqual(['dana@example.org']);
  expect(toDana!.subject).toMatch(/^Your recording of “rem-1” will be deleted on /);
  expect(toDana!.text).toContain('make it permanent');
  expect(toDana!.text).toContain('America/New_York');
  expect(await queryDb(svc.db.url, "SELECT id FROM jobs WHERE kind = 'email.expiry-reminder' AND recording_id = $1", [nobody])).toEqual([]);
  expect(smtp.messages.length).toBe(sentBefore + 2);
  expect(metricValue((await request(svc.url).get('/metrics')).text, 'recorder_expiry_reminders_sent_total')).toBe(2);
  // The reminder is no part of the saved email's bookkeeping.
  const statuses = await queryDb<{ status: string }>(svc.db.url, 'SELECT status FROM recordings WHERE id = ANY($1)', [[mine, hers]]);
  expect(statuses.map((r) => r.status)).toEqual(['notification_succeeded', 'notification_succeeded']);

  // Later passes, and a restart (which runs a pass at start-up), send nothing more.
  await runExpirySweep(svc.db.url);
  await svc.close({ keepDatabase: true });
  svc = await startTestService(env, svc.db);
  await runExpirySweep(svc.db.url);
  await jobsSettled(svc.db.url, 'email.%');
  expect(smtp.messages.length).toBe(sentBefore + 2);
  expect((await reminderJobs(mine)).map((j) => j.status)).toEqual(['done']);

  // Made permanent and non-permanent again after it was sent: the sweep looks again, and sends nothing.
  await patch(mine, true);
  await patch(mine, false);
  await runExpirySweep(svc.db.url);
  expect(await queryDb(svc.db.url, 'SELECT reminders_queued_at IS NOT NULL AS marked FROM recordings WHERE id = $1', [mine])).toEqual([{ marked: true }]);
  expect(smtp.messages.length).toBe(sentBefore + 2);
  expect((await reminderJobs(mine)).map((j) => j.status)).toEqual(['done']);
});

it('sends none for a recording made permanent: before the sweep, while its reminder waits (PATCH cancels it), or behind the API\'s back (checked at send time); non-permanent again, it is reminded once', async () => {
  const id = await saved(camille, 'rem-3');
  await ageRecording(svc.db.url, id, DAYS - 3);
  const sentBefore = smtp.messages.length;

  await patch(id, true);
  await runExpirySweep(svc.db.url);
  expect(await reminderJobs(id)).toEqual([]);

  // Queued while the SMTP server refuses, then made permanent: the pending reminder is cancelled with the PATCH.
  await patch(id, false);
  smtp.rejectWith(451, 'Try again later');
  try {
    await runExpirySweep(svc.db.url);
    await eventually(async () => (await reminderJobs(id))[0]?.last_error !== null && (await reminderJobs(id)).length === 1, 10_000, 'a refused attempt');
    await patch(id, true);
    expect(await reminderJobs(id)).toEqual([{ status: 'cancelled', last_error: 'the recording was made permanent' }]);
  } finally {
    smtp.acceptAll();
  }
  await retrySweepJobsNow(svc.db.url);
  await runExpirySweep(svc.db.url);
  expect(remindersAbout(id)).toEqual([]);

  // Non-permanent again: queued again (the same job, by its key); made permanent in the database meanwhile: the job sees it when it runs.
  await patch(id, false);
  smtp.rejectWith(451, 'Try again later');
  try {
    await runExpirySweep(svc.db.url);
    await eventually(async () => (await reminderJobs(id))[0]?.status === 'pending' && (await reminderJobs(id))[0]?.last_error !== null, 10_000, 'queued again, refused');
    await queryDb(svc.db.url, 'UPDATE recordings SET is_permanent = true WHERE id = $1', [id]);
  } finally {
    smtp.acceptAll();
  }
  await retrySweepJobsNow(svc.db.url);
  await eventually(async () => (await reminderJobs(id))[0]?.status === 'cancelled', 10_000, 'cancelled at send time');
  expect(await reminderJobs(id)).toEqual([{ status: 'cancelled', last_error: 'the recording was made permanent' }]);
  expect(remindersAbout(id)).toEqual([]);

  await patch(id, false);
  await runExpirySweep(svc.db.url);
  await smtp.waitForMessages(sentBefore + 1);
  await runExpirySweep(svc.db.url);
  expect(remindersAbout(id)).toHaveLength(1);
  expect(smtp.messages.length).toBe(sentBefore + 1);
  expect(await reminderJobs(id)).toEqual([{ status: 'done', last_error: null }]);
});

it('sends none for a deleted recording, nor for an expired one', async () => {
  const doomed = await saved(camille, 'rem-4');
  const late = await saved(camille, 'rem-5');
  await ageRecording(svc.db.url, doomed, DAYS - 2);
  const sentBefore = smtp.messages.length;
  smtp.rejectWith(451, 'Try again later');
  try {
    await runExpirySweep(svc.db.url);
    await eventually(async () => (await reminderJobs(doomed))[0]?.last_error != null, 10_000, 'a refused attempt');
    await request(svc.url).delete(`/api/v1.0/recordings/${doomed}/`).set(bearer(camille)).expect(204);
    expect((await reminderJobs(doomed)).map((j) => j.status)).toEqual(['cancelled']);
  } finally {
    smtp.acceptAll();
  }
  // Past its expiry (the sweep removes its files instead): no reminder any more.
  await ageRecording(svc.db.url, late, DAYS + 1);
  await retrySweepJobsNow(svc.db.url);
  await runExpirySweep(svc.db.url);
  await jobsSettled(svc.db.url, 'email.%');
  expect(smtp.messages.length).toBe(sentBefore);
  expect(await reminderJobs(late)).toEqual([]);
});
