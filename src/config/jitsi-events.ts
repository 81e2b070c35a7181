import { concern } from './concern';
import { envString, issue } from './env-parsers';

/** A JID's domain part: DNS labels, lower case as XMPP compares them. */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Jitsi's room events (Prosody's event_sync component): the token it sends and the recorders' domain. */
export const jitsiEventsConcern = concern(
  {
    JITSI_EVENTS_TOKEN: envString(),
    JITSI_HIDDEN_DOMAIN: envString(),
    // Read here only as the default of JITSI_HIDDEN_DOMAIN: the domain our Jibris log in on.
    JIBRI_XMPP_DOMAIN: envString(),
  },
  (env, ctx) => {
    const token = env.JITSI_EVENTS_TOKEN;
    if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
      issue(ctx, 'JITSI_EVENTS_TOKEN', 'expected at least 16 characters without spaces (openssl rand -hex 32)');
    }
    const explicit = env.JITSI_HIDDEN_DOMAIN?.toLowerCase();
    if (explicit !== undefined && !DOMAIN.test(explicit)) issue(ctx, 'JITSI_HIDDEN_DOMAIN', 'expected a domain name such as recorder.meet.example.org');
    const hidden = explicit ?? env.JIBRI_XMPP_DOMAIN?.toLowerCase();
    return {
      /** Set: POST /rooms/webhooks-jitsi/events/... accepts bodies carrying it as a bearer token. */
      eventsToken: token,
      /** Occupants whose JID is on this domain (Jibri, other recorders) are no participants; default JIBRI_XMPP_DOMAIN. */
      hiddenDomain: hidden,
    };
  },
);
