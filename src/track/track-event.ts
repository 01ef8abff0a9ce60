/**
 * A fact the tracker states: one of the twelve outcomes, with every value it could establish.
 * The events stage turns it into an ECS document; fields the tracker cannot know stay null
 * (a probe started mid-call never invents a status or a start time).
 *
 * Strings here are owned copies (never views into a packet buffer).
 */
export const EventActions = [
  'call-attempt', 'call-start', 'call-end',
  'reg-new', 'reg-del', 'reg-expired',
  'auth-failed',
  'other-ok', 'other-failed', 'other-timeout',
  'parse-error', 'msg-probe',
] as const;
export type EventAction = (typeof EventActions)[number];

export interface Endpoint {
  ip: string;
  port: number;
}

export type Originator = 'caller' | 'callee' | 'timeout';

/**
 * What a tracked subject (a call, a registration binding) lends to each event it gives rise to: a
 * slot where a later stage keeps what it derived from the subject's fields, so that the next event
 * of the same subject finds it there instead of looking every value up again (field encryption
 * keeps its ciphertexts here). The tracker never reads the slot; it goes when the subject does.
 */
export interface DerivedSlot {
  derived: unknown;
}

/**
 * Rate-limit annotation set by the guard stage on the events it passes on during a flood episode
 * (docs/lean.md). The tracker never sets it; it lives here so that the document builders can emit it.
 * - `exceeded`: an occurrence emitted during an episode (the 1st, 100th, 200th, 400th, …);
 * - `calm` / `evicted` / `end`: summaries made by the guard when an episode is over.
 */
export type RateState = 'exceeded' | 'calm' | 'evicted' | 'end';

export interface RateInfo {
  state: RateState;
  /** Over-limit occurrences of this key in the episode so far (this one included). */
  exceeded: number;
  /** Occurrences dropped since the previous event of this episode. */
  suppressed: number;
  /** Occurrences dropped in the whole episode so far. */
  suppressedTotal: number;
  /** Occurrences in the reported window (decayed count, rounded). */
  current: number;
  /** Limit of that window. */
  limit: number;
  /** Length of that window in seconds. */
  windowS: number;
  /** Packet time (µs) of the episode's first over-limit occurrence. */
  sinceUs: number;
}

export class TrackEvent {
  /** @timestamp: packet time of the triggering message, or the timer's due time (µs). */
  tsUs: number;
  startUs: number | null = null;
  endUs: number | null = null;
  client: Endpoint | null = null;
  server: Endpoint | null = null;
  transport: string = '';
  callId: string | null = null;
  from: string | null = null;
  to: string | null = null;
  fromTag: string | null = null;
  toTag: string | null = null;
  requestUri: string | null = null;
  method: string | null = null;
  status: number | null = null;
  reason: string | null = null;
  contact: string | null = null;
  expires: number | null = null;
  userAgent: string | null = null;
  serverAgent: string | null = null;
  pai: string | null = null;
  user: string | null = null;
  realm: string | null = null;
  pddMs: number | null = null;
  ringMs: number | null = null;
  originator: Originator | null = null;
  timeout = false;
  cancelled = false;
  partial = false;
  trace: string | null = null;
  /** parse-error: stable code, reason and offset; msg-probe: payload length and hex prefix. */
  errorCode: string | null = null;
  errorMessage: string | null = null;
  errorOffset: number | null = null;
  bytes: number | null = null;
  payloadPrefix: string | null = null;
  encap: readonly string[] = [];
  /** Set by field encryption (src/privacy): key id and encrypted groups; null on plaintext events. */
  keyId: string | null = null;
  /** Set by the guard's rate limiter; null for events that were not rate-limited. */
  rate: RateInfo | null = null;
  /** The call or binding this event is about (its call-start and call-end, reg-new and reg-expired share it); null otherwise. */
  subject: DerivedSlot | null = null;

  constructor(
    readonly action: EventAction,
    tsUs: number,
  ) {
    this.tsUs = tsUs;
  }
}
