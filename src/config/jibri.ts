import { concern } from './concern';
import { envInt, envList, envString, envUrl, envUrlList, issue, requireTogether } from './env-parsers';

/** The Jibri pool (Jitsi recordings) and the endpoints Jibri calls back. */
export const jibriConcern = concern(
  {
    JIBRI_URLS: envUrlList(),
    JIBRI_IDS: envList(),
    JITSI_BASE_URL: envUrl(),
    JIBRI_XMPP_DOMAIN: envString(),
    JIBRI_XMPP_USERNAME: envString(),
    JIBRI_XMPP_PASSWORD: envString(),
    JIBRI_UPLOAD_TOKEN: envString(),
    JIBRI_WEBHOOK_TOKEN: envString(),
    // Minutes, not days: storage checks a pre-signed URL's expiry when the PUT starts, and
    // finalize.sh PUTs right after asking, so a short life only shrinks what a leaked URL is worth.
    JIBRI_UPLOAD_URL_TTL_SECONDS: envInt({ min: 60, max: 1800 }),
  },
  (env, ctx) => {
    const hasXmpp = requireTogether(ctx, env, ['JIBRI_XMPP_DOMAIN', 'JIBRI_XMPP_USERNAME', 'JIBRI_XMPP_PASSWORD'], 'Jibri XMPP login');
    // JIBRI_IDS names each JIBRI_URLS entry by its `jibri.id`, so status webhooks (which carry
    // only the id) can be matched to a pool instance.
    const ids = env.JIBRI_IDS;
    if (ids.length > 0 && ids.length !== env.JIBRI_URLS.length) issue(ctx, 'JIBRI_IDS', 'expected one id per JIBRI_URLS entry, in the same order');
    if (new Set(ids).size !== ids.length) issue(ctx, 'JIBRI_IDS', 'ids must be unique');
    return {
      urls: env.JIBRI_URLS,
      /** `jibri.id` of each instance, same order as urls; empty when not set. */
      ids,
      jitsiBaseUrl: env.JITSI_BASE_URL,
      xmpp: hasXmpp ? { domain: env.JIBRI_XMPP_DOMAIN!, username: env.JIBRI_XMPP_USERNAME!, password: env.JIBRI_XMPP_PASSWORD! } : undefined,
      uploadToken: env.JIBRI_UPLOAD_TOKEN,
      webhookToken: env.JIBRI_WEBHOOK_TOKEN,
      uploadUrlTtlSeconds: env.JIBRI_UPLOAD_URL_TTL_SECONDS ?? 600,
    };
  },
);
