import type { FakeJibri } from '../fakes/jibri-server';

/** The service's settings for a Jibri pool of these fakes, on the tests' Jitsi deployment. */
export function jibriPoolEnv(jibris: FakeJibri[]): Record<string, string> {
  return {
    JIBRI_URLS: jibris.map((j) => j.url).join(','),
    JIBRI_IDS: jibris.map((j) => j.jibriId).join(','),
    JITSI_BASE_URL: 'https://meet.example.org',
    JIBRI_XMPP_DOMAIN: 'recorder.meet.example.org',
    JIBRI_XMPP_USERNAME: 'recorder',
    JIBRI_XMPP_PASSWORD: 'recorder-secret',
  };
}
