/** A Jitsi occupant who is a person (src/rooms/jitsi/). */
export const JITSI_PERSON_KIND = 'JITSI';
/** A Jitsi occupant on JITSI_HIDDEN_DOMAIN: a recorder (Jibri, ours or Jicofo's), not a person. */
export const JITSI_HIDDEN_KIND = 'JITSI_HIDDEN';

/**
 * Who counts as a participant of the room, by the kind's name (LiveKit's ParticipantInfo.Kind
 * names, see recording/workers/livekit/participant-kind.ts, and the Jitsi kinds above). People:
 * web and app clients (STANDARD) and phone callers dialled in over SIP, and Jitsi occupants off
 * the hidden domain. Not people: egress recorders (ours among them), ingress streams (an OBS or
 * RTMP feed can loop a video with nobody there), AI agents, connectors and bridges, Jitsi's
 * hidden occupants, and any kind LiveKit adds later until we know what it is. A room with only
 * those is empty.
 */
export function countsAsPerson(kind: string): boolean {
  return kind === 'STANDARD' || kind === 'SIP' || kind === JITSI_PERSON_KIND;
}
