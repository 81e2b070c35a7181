import { ConfigError, loadConfig } from '../src/config/config';
import { renderRecordingSavedEmail, type RecordingSavedEmailInput } from '../src/notifications/email-content';
import {
  createSmtpTransport,
  describeSmtpTarget,
  smtpTransportOptions,
  type SmtpTransporter,
} from '../src/notifications/smtp-transport';
import { startSilentTcpServer, startSmtpServer, type TestSmtpServer } from './helpers/smtp';

const DEFAULTS = { locale: 'en', timezone: 'UTC' };
// 09:27 UTC is 11:27 in Paris, Berlin and Amsterdam (summer time).
const RECORDED_AT = new Date('2026-05-04T09:27:00Z');
const EXPIRES_AT = new Date('2026-06-03T09:27:00Z');
const LINK = 'https://meet.example.org/recordings/5f0c7e9a-8d4b-4a53-9d7e-3c2a1b0f9e11';

function input(overrides: Partial<RecordingSavedEmailInput> = {}): RecordingSavedEmailInput {
  return {
    locale: 'en-US',
    timezone: 'UTC',
    recipientName: 'Camille',
    room: 'weekly-sync',
    recordedAt: RECORDED_AT,
    downloadUrl: LINK,
    expiresAt: null,
    brandName: 'Visio',
    supportEmail: 'support@example.org',
    ...overrides,
  };
}

function emailConfig(env: Record<string, string>) {
  return loadConfig(env).email;
}

describe('renderRecordingSavedEmail', () => {
  it('writes French with the time in Europe/Paris for fr-FR', () => {
    const email = renderRecordingSavedEmail(input({ locale: 'fr-FR', timezone: 'Europe/Paris' }), DEFAULTS);
    expect(email.locale).toBe('fr');
    expect(email.timezone).toBe('Europe/Paris');
    expect(email.subject).toBe('Votre enregistrement de « weekly-sync » est prêt');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Bonjour Camille,');
      expect(part).toContain('lundi 4 mai 2026');
      expect(part).toContain('11:27');
      expect(part).toContain('Europe/Paris (UTC+02:00)');
      expect(part).toContain(LINK);
      expect(part).toContain('Visio');
      expect(part).toContain('support@example.org');
      expect(part).not.toContain('9:27');
    }
    expect(email.text).toContain('Téléchargez l’enregistrement ici');
    expect(email.html).toContain('<html lang="fr">');
    expect(email.html).toContain(`href="${LINK}"`);
    expect(email.html).toContain('href="mailto:support@example.org"');
  });

  it('gives the recorded time of a paused recording in words of the reader, and no such row otherwise', () => {
    const en = renderRecordingSavedEmail(input({ recordedSeconds: 372.4 }), DEFAULTS);
    expect(en.text).toContain('Recorded time: 6 minutes, 12 seconds');
    const fr = renderRecordingSavedEmail(input({ locale: 'fr-FR', recordedSeconds: 3725 }), DEFAULTS);
    expect(fr.text).toMatch(/Durée enregistrée\s?:\s1\sheure,\s2\sminutes,\s5\ssecondes/);
    expect(renderRecordingSavedEmail(input(), DEFAULTS).text).not.toContain('Recorded time');
  });

  it('writes German for de-DE and de-AT', () => {
    const email = renderRecordingSavedEmail(input({ locale: 'de-DE', timezone: 'Europe/Berlin' }), DEFAULTS);
    expect(email.locale).toBe('de');
    expect(email.subject).toBe('Ihre Aufnahme von „weekly-sync“ ist bereit');
    expect(email.text).toContain('Hallo Camille,');
    expect(email.text).toContain('Montag, 4. Mai 2026');
    expect(email.text).toContain('11:27');
    expect(email.html).toContain('Aufnahme herunterladen');

    const austrian = renderRecordingSavedEmail(input({ locale: 'de-AT', timezone: 'Europe/Vienna' }), DEFAULTS);
    expect(austrian.locale).toBe('de');
    expect(austrian.text).toContain('11:27');
  });

  it('writes Dutch for nl-NL and nl-BE', () => {
    const email = renderRecordingSavedEmail(input({ locale: 'nl-NL', timezone: 'Europe/Amsterdam' }), DEFAULTS);
    expect(email.locale).toBe('nl');
    expect(email.subject).toContain('opname');
    expect(email.text).toContain('maandag 4 mei 2026');
    expect(email.text).toContain('11:27');
    expect(email.html).toContain('Opname downloaden');
    expect(renderRecordingSavedEmail(input({ locale: 'nl-BE' }), DEFAULTS).locale).toBe('nl');
    // POSIX spelling some identity providers send
    expect(renderRecordingSavedEmail(input({ locale: 'nl_NL' }), DEFAULTS).locale).toBe('nl');
  });

  it('falls back to English for an unknown, invalid or missing locale', () => {
    for (const locale of ['xx-YY', null, undefined, '', 'not a locale!!']) {
      const email = renderRecordingSavedEmail(input({ locale, timezone: 'UTC' }), DEFAULTS);
      expect(email.locale).toBe('en');
      expect(email.subject).toBe('Your recording of “weekly-sync” is ready');
      expect(email.text).toContain('Hello Camille,');
      expect(email.text).toContain('Monday, May 4, 2026');
      expect(email.text).toContain('9:27');
    }
  });

  it('falls back to the default locale before English', () => {
    const email = renderRecordingSavedEmail(input({ locale: 'xx-YY' }), { locale: 'fr', timezone: 'UTC' });
    expect(email.locale).toBe('fr');
    expect(email.text).toContain('lundi 4 mai 2026');
  });

  it('uses the default time zone when the zone is invalid or missing', () => {
    const defaults = { locale: 'en', timezone: 'America/New_York' };
    for (const timezone of ['Mars/Olympus_Mons', 'not a zone', null, '']) {
      const email = renderRecordingSavedEmail(input({ locale: 'en-US', timezone }), defaults);
      expect(email.timezone).toBe('America/New_York');
      expect(email.text).toContain('5:27');
      expect(email.text).toContain('America/New_York (UTC-04:00)');
    }
    // and UTC when the default itself is unusable
    const utc = renderRecordingSavedEmail(input({ timezone: 'nope' }), { locale: 'en', timezone: 'nope' });
    expect(utc.timezone).toBe('UTC');
  });

  it('has an expiry sentence only when expiresAt is set', () => {
    const withExpiry = renderRecordingSavedEmail(
      input({ locale: 'fr-FR', timezone: 'Europe/Paris', expiresAt: EXPIRES_AT }),
      DEFAULTS,
    );
    expect(withExpiry.text).toContain('disponible jusqu’au mercredi 3 juin 2026 à 11:27');
    expect(withExpiry.html).toContain('disponible jusqu’au mercredi 3 juin 2026 à 11:27');

    const withoutExpiry = renderRecordingSavedEmail(input({ locale: 'fr-FR', timezone: 'Europe/Paris' }), DEFAULTS);
    expect(withoutExpiry.text).not.toContain('disponible jusqu');
    expect(withoutExpiry.html).not.toContain('disponible jusqu');

    const english = renderRecordingSavedEmail(input({ expiresAt: EXPIRES_AT }), DEFAULTS);
    expect(english.text).toContain('available until Wednesday, June 3, 2026');
  });

  it('greets without a name and leaves out the support sentence when they are not set', () => {
    const email = renderRecordingSavedEmail(input({ recipientName: '  ', supportEmail: null }), DEFAULTS);
    expect(email.text.startsWith('Hello,\n')).toBe(true);
    expect(email.text).not.toContain('Contact us');
    expect(email.html).not.toContain('mailto:');
  });

  it('escapes every user-supplied value in the HTML part', () => {
    const room = '<script>alert("x")</script> & \'co\'';
    const email = renderRecordingSavedEmail(
      input({ room, recipientName: '<img src=x onerror=alert(1)>', brandName: 'Acme <b>' }),
      DEFAULTS,
    );
    expect(email.html).not.toContain('<script');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // the text part shows the name as typed
    expect(email.text).toContain(room);
  });

  it('keeps the subject on one line and does not interpolate placeholders found in input', () => {
    const email = renderRecordingSavedEmail(input({ room: 'a\r\nBcc: victim@example.org {{name}}' }), DEFAULTS);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toContain('a Bcc: victim@example.org {{name}}');
  });
});

describe('createSmtpTransport', () => {
  let smtp: TestSmtpServer | undefined;
  let transport: SmtpTransporter | null = null;

  afterEach(async () => {
    transport?.close();
    transport = null;
    await smtp?.stop();
    smtp = undefined;
  });

  it('is null when SMTP is not configured', () => {
    const email = emailConfig({});
    expect(createSmtpTransport(email)).toBeNull();
    expect(describeSmtpTarget(email)).toBe('SMTP not configured');
  });

  it('reads EMAIL_URL first, then the EMAIL_HOST settings, and never describes credentials', () => {
    const fromUrl = emailConfig({
      EMAIL_URL: 'smtps://mailer%40example.org:s3cr%2Ft@smtp.example.org',
      EMAIL_HOST: 'ignored.example.org',
      EMAIL_TIMEOUT_MS: '1234',
    });
    expect(smtpTransportOptions(fromUrl)).toMatchObject({
      host: 'smtp.example.org',
      port: 465,
      secure: true,
      auth: { user: 'mailer@example.org', pass: 's3cr/t' },
      connectionTimeout: 1234,
      greetingTimeout: 1234,
      socketTimeout: 1234,
    });
    expect(describeSmtpTarget(fromUrl)).toBe('smtps smtp.example.org:465 (login)');

    const starttls = emailConfig({
      EMAIL_HOST: 'smtp.example.org',
      EMAIL_HOST_USER: 'mailer',
      EMAIL_HOST_PASSWORD: 'hunter2',
      EMAIL_USE_TLS: 'true',
    });
    expect(smtpTransportOptions(starttls)).toMatchObject({ port: 587, secure: false, requireTLS: true });
    const line = describeSmtpTarget(starttls);
    expect(line).toBe('smtp smtp.example.org:587 (STARTTLS, login)');
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('mailer');

    expect(smtpTransportOptions(emailConfig({ EMAIL_HOST: 'h', EMAIL_USE_SSL: 'true' }))).toMatchObject({
      port: 465,
      secure: true,
    });
  });

  it('refuses a bad EMAIL_URL without echoing it', () => {
    for (const url of ['http://user:hunter2@example.org', 'not a url hunter2']) {
      expect(() => emailConfig({ EMAIL_URL: url })).toThrow(ConfigError);
      expect(() => emailConfig({ EMAIL_URL: url })).toThrow(/^EMAIL_URL: /);
      expect(() => emailConfig({ EMAIL_URL: url })).not.toThrow(/hunter2/);
    }
    expect(() => emailConfig({ EMAIL_HOST: 'h', EMAIL_USE_TLS: '1', EMAIL_USE_SSL: '1' })).toThrow(/^EMAIL_USE_SSL: /);
  });

  it('delivers the rendered email to a real SMTP server (EMAIL_URL with a login)', async () => {
    smtp = await startSmtpServer({ auth: { user: 'mailer@example.org', pass: 'p@ss:w/rd' } });
    transport = createSmtpTransport(emailConfig({ EMAIL_URL: smtp.url, EMAIL_TIMEOUT_MS: '5000' }));
    expect(transport).not.toBeNull();

    const rendered = renderRecordingSavedEmail(
      input({ locale: 'fr-FR', timezone: 'Europe/Paris', expiresAt: EXPIRES_AT, room: 'Équipe <produit>' }),
      DEFAULTS,
    );
    const info = await transport!.sendMail({
      from: 'Visio <recordings@example.org>',
      to: 'camille@example.org',
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
    });
    expect(info.accepted).toEqual(['camille@example.org']);

    const [message] = await smtp.waitForMessages(1);
    expect(message!.to).toEqual(['camille@example.org']);
    expect(message!.headerTo).toEqual(['camille@example.org']);
    expect(message!.messageId).toBe(info.messageId);
    expect(message!.subject).toBe('Votre enregistrement de « Équipe <produit> » est prêt');
    expect(message!.text).toContain('lundi 4 mai 2026');
    expect(message!.text).toContain('11:27');
    expect(message!.text).toContain(LINK);
    expect(message!.html).toContain('Équipe &lt;produit&gt;');
    expect(message!.html).toContain(`href="${LINK}"`);
    expect(message!.html).toContain('mercredi 3 juin 2026');
  });

  it('fails with the wrong login', async () => {
    smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 'right' } });
    transport = createSmtpTransport(
      emailConfig({ ...smtp.env, EMAIL_HOST_PASSWORD: 'wrong', EMAIL_TIMEOUT_MS: '5000' }),
    );
    await expect(
      transport!.sendMail({ from: 'a@example.org', to: 'b@example.org', subject: 's', text: 't' }),
    ).rejects.toMatchObject({ responseCode: 535 });
    expect(smtp.messages).toHaveLength(0);
  });

  it('sees 4xx rejections and an outage, then delivers after recovery (EMAIL_HOST settings)', async () => {
    smtp = await startSmtpServer();
    transport = createSmtpTransport(emailConfig({ ...smtp.env, EMAIL_TIMEOUT_MS: '5000' }));
    const mail = { from: 'a@example.org', to: 'b@example.org', subject: 'hello', text: 'body' };

    smtp.rejectWith(451, 'Busy, try later', 1);
    await expect(transport!.sendMail(mail)).rejects.toMatchObject({ responseCode: 451 });
    expect(smtp.rejectedCount).toBe(1);
    await transport!.sendMail(mail);
    expect(smtp.messages).toHaveLength(1);

    const port = smtp.port;
    await smtp.stop();
    await expect(transport!.sendMail(mail)).rejects.toThrow();
    await smtp.restart();
    expect(smtp.port).toBe(port);
    await transport!.sendMail({ ...mail, subject: 'after restart' });
    const messages = await smtp.waitForMessages(2);
    expect(messages[1]!.subject).toBe('after restart');
  });

  it('rejects when the server accepts TCP but never greets', async () => {
    const silent = await startSilentTcpServer();
    const hanging = createSmtpTransport(
      emailConfig({ EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(silent.port), EMAIL_TIMEOUT_MS: '300' }),
    );
    try {
      await expect(
        hanging!.sendMail({ from: 'a@example.org', to: 'b@example.org', subject: 's', text: 't' }),
      ).rejects.toThrow();
    } finally {
      hanging!.close();
      await silent.stop();
    }
    // nodemailer's own greeting timeout is 30 s: without ours this test would hit the jest limit
  }, 10000);
});
