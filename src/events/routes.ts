import type { EventType } from './event-types';

/**
 * Which endpoints receive which event types, as the statements that queue events read it: a
 * JSON object from type to endpoint URLs, passed as one parameter. An event type nobody wants is
 * absent, so nothing is queued for it; with no endpoints the object is empty.
 */
export class EventRoutes {
  /** The routes as the jsonb parameter of the statements that queue events. */
  readonly param: string;
  private readonly byType: ReadonlyMap<EventType, readonly string[]>;

  constructor(endpoints: readonly string[], events: readonly EventType[]) {
    const byType = new Map<EventType, readonly string[]>();
    if (endpoints.length > 0) for (const type of events) byType.set(type, endpoints);
    this.byType = byType;
    this.param = JSON.stringify(Object.fromEntries(byType));
  }

  static none(): EventRoutes {
    return new EventRoutes([], []);
  }

  /** The endpoints that receive `type` (empty: none). */
  endpointsFor(type: EventType): readonly string[] {
    return this.byType.get(type) ?? [];
  }

  get enabled(): boolean {
    return this.byType.size > 0;
  }
}
