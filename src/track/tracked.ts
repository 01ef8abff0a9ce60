import type { Timed } from '../base/timer-queue.js';

/** What a timer entry points at; `kind` tells the tracker which handler fires. */
export const TrackedKind = { Transaction: 1, Call: 2, Binding: 3, HeldReply: 4 } as const;

export abstract class Tracked implements Timed {
  timerGen = 0;
  timerDue = -1;
  /** See DerivedSlot (track-event.ts): later stages' values derived from this subject's fields. */
  derived: unknown = undefined;
  abstract readonly kind: number;
}
