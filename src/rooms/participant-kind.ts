/**
 * LiveKit's participant kinds (livekit_models.proto, ParticipantInfo.Kind) as the SDK decodes
 * them: numbers. A kind missing from LiveKit's JSON is its zero value, STANDARD.
 */
const KIND_NAMES: Record<number, string> = {
  0: 'STANDARD',
  1: 'INGRESS',
  2: 'EGRESS',
  3: 'SIP',
  4: 'AGENT',
  7: 'CONNECTOR',
  8: 'BRIDGE',
};

export function kindName(kind: number | undefined): string {
  return KIND_NAMES[kind ?? 0] ?? `KIND_${kind}`;
}

/**
 * Who counts as a participant of the room. People: web and app clients (STANDARD) and phone
 * callers dialled in over SIP. Not people: egress recorders (ours among them), ingress streams
 * (an OBS or RTMP feed can loop a video with nobody there), AI agents, connectors and bridges,
 * and any kind LiveKit adds later until we know what it is. A room with only those is empty.
 */
export function countsAsPerson(kind: string): boolean {
  return kind === 'STANDARD' || kind === 'SIP';
}
