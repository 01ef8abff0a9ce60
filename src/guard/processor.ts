import type { Counters } from '../base/counters.js';
import type { TrackEvent } from '../track/track-event.js';

/**
 * One step between the tracker and the outputs, in the manner of Beats processors: it sees each
 * stated fact once, in order, and passes it on (possibly annotated) or drops it. Drops are never
 * silent: every processor counts what it drops in the shared `Counters`.
 */
export interface Processor {
  readonly name: string;
  /** The event to pass on (the same object, possibly annotated), or null to drop it. */
  run(e: TrackEvent): TrackEvent | null;
  readonly counters: Counters;
}
