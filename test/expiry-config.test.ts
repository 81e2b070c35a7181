import { ConfigError, loadConfig } from '../src/config/config';

/** The expiry settings: defaults, bounds, and the rule that ties the reminder to the retention. */

const base = { AUTH_JWT_SECRET: 'test-secret-0123456789abcdef-0123456789', RECORDING_STORAGE_EVENT_TOKEN: 'storage-token' };

it('sweeps every 300 seconds by default, and sends no reminder unless asked', () => {
  const { recording } = loadConfig({ ...base, RECORDING_EXPIRATION_DAYS: '30' });
  expect(recording).toMatchObject({ expirationDays: 30, expiryReminderDays: undefined, expirySweepIntervalMs: 300_000 });
  expect(loadConfig({ ...base, RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS: '60', RECORDING_EXPIRATION_DAYS: '30', RECORDING_EXPIRY_REMINDER_DAYS: '7' }).recording).toMatchObject({
    expiryReminderDays: 7,
    expirySweepIntervalMs: 60_000,
  });
});

it('stops with one line naming the variable for a bad value, or a reminder not before expiry', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS: '0' }, /^RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS: /],
    [{ RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS: 'often' }, /^RECORDING_EXPIRY_SWEEP_INTERVAL_SECONDS: /],
    [{ RECORDING_EXPIRY_REMINDER_DAYS: '-1' }, /^RECORDING_EXPIRY_REMINDER_DAYS: /],
    [{ RECORDING_EXPIRATION_DAYS: '7', RECORDING_EXPIRY_REMINDER_DAYS: '7' }, /^RECORDING_EXPIRY_REMINDER_DAYS: must be less than RECORDING_EXPIRATION_DAYS \(7\)$/],
  ];
  for (const [env, message] of bad) {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  }
});
