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

  constructor(
    readonly action: EventAction,
    tsUs: number,
  ) {
    this.tsUs = tsUs;
  }
}
