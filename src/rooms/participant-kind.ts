/**
 * Who counts as a participant of the room, by the kind's name (LiveKit's ParticipantInfo.Kind
 * names, see recording/workers/livekit/participant-kind.ts). People: web and app clients
 * (STANDARD) and phone callers dialled in over SIP. Not people: egress recorders (ours among
 * them), ingress streams (an OBS or RTMP feed can loop a video with nobody there), AI agents,
 * connectors and bridges, and any kind LiveKit adds later until we know what it is. A room with
 * only those is empty.
 */
export function countsAsPerson(kind: string): boolean {
  return kind === 'STANDARD' || kind === 'SIP';
}
