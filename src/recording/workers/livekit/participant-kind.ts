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

/** The kind's name, as the rooms keep it (see rooms/participant-kind.ts); `KIND_<n>` for one LiveKit added later. */
export function kindName(kind: number | undefined): string {
  return KIND_NAMES[kind ?? 0] ?? `KIND_${kind}`;
}
