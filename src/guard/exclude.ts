import type { Counters } from '../base/counters.js';
import { EventActions, type TrackEvent } from '../track/track-event.js';
import { checkEventTypes } from './options.js';
import type { Processor } from './processor.js';

const EXCLUDED = new Map<string, string>(EventActions.map((a) => [a, 'guard.events.excluded.' + a]));

/**
 * Drops events by type. The set is live: the HTTP API (or a test) may add and delete types while
 * traffic flows; each drop is counted under `guard.events.excluded.<type>`.
 */
export class ExcludeProcessor implements Processor {
  readonly name = 'exclude';
  readonly types: Set<string>;

  constructor(
    types: Iterable<string>,
    readonly counters: Counters,
  ) {
    const list = [...types];
    checkEventTypes(list);
    this.types = new Set(list);
  }

  run(e: TrackEvent): TrackEvent | null {
    if (this.types.size === 0 || !this.types.has(e.action)) return e;
    this.counters.inc(EXCLUDED.get(e.action)!);
    return null;
  }

  /** Replaces the whole set (API `PUT`); unknown names are rejected before anything changes. */
  replace(types: readonly string[]): void {
    checkEventTypes(types);
    this.types.clear();
    for (const t of types) this.types.add(t);
  }
}
