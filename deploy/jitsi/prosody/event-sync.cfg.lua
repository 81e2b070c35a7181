-- Room and occupant events for the recording orchestrator: Prosody's event_sync component
-- (jitsi-contrib/prosody-plugins, event_sync/mod_event_sync_component.lua) POSTs them to
-- {api_prefix}/events/room/created, /room/destroyed, /occupant/joined and /occupant/left.
--
-- Compose (profile "jitsi") mounts this file at /config/conf.d/event-sync.cfg.lua, which the
-- docker-jitsi-meet Prosody includes, and deploy/jitsi/prosody-plugins/ (where the module goes,
-- see its README.md) at /prosody-plugins-custom. The names below are docker-jitsi-meet's
-- defaults (XMPP_DOMAIN=meet.jitsi); elsewhere use your own domain's.
--
-- ENV_JITSI_EVENTS_TOKEN is Prosody's way of reading the environment variable JITSI_EVENTS_TOKEN
-- (Compose gives the prosody container the recorder's value); the service refuses any other.

Component "esync.meet.jitsi" "event_sync_component"
    muc_component = "muc.meet.jitsi"
    breakout_component = "breakout.meet.jitsi"

    -- The recorder service on the Compose network; the component appends /events/...
    api_prefix = "http://recorder:8080/api/v1.0/rooms/webhooks-jitsi"
    api_headers = {
        ["Authorization"] = "Bearer " .. (ENV_JITSI_EVENTS_TOKEN or "");
    }
    -- The service answers within a second; the component retries 5xx answers (and no others).
    api_timeout = 10
    api_retry_count = 5
    api_retry_delay = 2
