import type { RateInfo, TrackEvent } from '../track/track-event.js';

export type { RateInfo, RateState } from '../track/track-event.js';
export { windowLabel } from '../events/time.js';

export function setRate(e: TrackEvent, info: RateInfo): void {
  e.rate = info;
}

/** The rate annotation of an event, or null when it was not rate-limited. */
export function rateOf(e: TrackEvent): RateInfo | null {
  return e.rate;
}
