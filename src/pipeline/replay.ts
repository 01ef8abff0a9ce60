import { Counters } from '../base/counters.js';
import { readCapture, type CaptureSummary } from '../capture/read-capture.js';
import type { SipPayload } from '../decode/sip-payload.js';
import type { SipMessage } from '../sip/message.js';
import { Tracker, type TrackSummary } from '../track/tracker.js';
import { defaultTrackOptions, type TrackOptions } from '../track/options.js';
import type { TrackEvent } from '../track/track-event.js';
import { DecodeChain, defaultDecodeOptions, type DecodeOptions } from './decode-chain.js';
import { eachSipMessage } from './sip-messages.js';

export interface ReplayOptions {
  decode: DecodeOptions;
  track: TrackOptions;
  /** Seconds the clock advances after the last packet so pending outcomes resolve. */
  settle: number;
}

export const defaultReplayOptions: ReplayOptions = {
  decode: defaultDecodeOptions,
  track: defaultTrackOptions,
  settle: 32,
};

export interface FileResult {
  file: string;
  summary: CaptureSummary;
}

export interface ReplayResult {
  files: FileResult[];
  counters: Counters;
  track: TrackSummary;
  events: Record<string, number>;
}

const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE']);
const REQUEST_COUNTER = new Map<string, string>([...KNOWN_METHODS].map((m) => [m, 'sip.requests.' + m]));
const RESPONSE_COUNTER = ['sip.responses.0xx', 'sip.responses.1xx', 'sip.responses.2xx', 'sip.responses.3xx', 'sip.responses.4xx', 'sip.responses.5xx', 'sip.responses.6xx'];

/** Counts SIP messages by method and status class; unknown methods fold into `other` so hostile input cannot grow the counter set. */
export function countMessage(counters: Counters, m: SipMessage): void {
  if (m.isRequest) counters.inc(REQUEST_COUNTER.get(m.method) ?? 'sip.requests.other');
  else counters.inc(RESPONSE_COUNTER[Math.floor(m.status / 100)] ?? 'sip.responses.other');
}

/** Sees each parsed message before the tracker does (the guard's detectors). */
export type MessageInspector = (p: SipPayload, m: SipMessage) => void;

/** The sip stage in front of the tracker: parse, count, and hand each payload to the tracker. */
export function payloadHandler(counters: Counters, tracker: Tracker, inspect: MessageInspector | null = null): (p: SipPayload) => void {
  const onMessage = (p: SipPayload, m: SipMessage): void => {
    counters.inc('sip.messages');
    if (m.error !== null) {
      counters.inc('sip.parse_errors');
      tracker.onParseError(p, m);
    } else {
      countMessage(counters, m);
      if (inspect !== null) inspect(p, m);
      tracker.onMessage(p, m);
    }
  };
  return (p) => {
    switch (p.kind) {
      case 'sip':
        eachSipMessage(p, counters, onMessage);
        break;
      case 'non-sip':
        counters.inc('sip.non_sip');
        tracker.onProbe(p);
        break;
      case 'keepalive':
        counters.inc('sip.keepalives');
        break;
      case 'stun':
        counters.inc('sip.stun');
        break;
    }
  };
}

/**
 * Replays capture files through decode → parse → track and hands each stated fact to `onEvent`.
 * Files are read one after another on one packet clock (time never runs backwards).
 */
export interface ReplayHooks {
  /** Called about once per second of packet time (and once at the end) for time-driven policy such as the guard. */
  onTick?(nowUs: number): void;
  /** Receives the tracker once it exists, e.g. to export its table sizes. */
  onTracker?(tracker: Tracker): void;
  /** Each parsed message, before the tracker (detectors). */
  onMessage?: MessageInspector;
}

const TICK_US = 1_000_000;

export async function replayFiles(
  files: string[],
  opts: ReplayOptions,
  onEvent: (e: TrackEvent) => void,
  counters = new Counters(),
  hooks: ReplayHooks = {},
): Promise<ReplayResult> {
  const events: Record<string, number> = {};
  const tracker = new Tracker(opts.track, counters, (e) => {
    events[e.action] = (events[e.action] ?? 0) + 1;
    onEvent(e);
  });
  hooks.onTracker?.(tracker);
  const onTick = hooks.onTick;
  let nextTickUs = -1;
  const handle = payloadHandler(counters, tracker, hooks.onMessage ?? null);
  const onPayload = (p: SipPayload): void => {
    if (onTick !== undefined && p.tsUs >= nextTickUs) {
      if (nextTickUs >= 0) onTick(p.tsUs);
      nextTickUs = p.tsUs + TICK_US;
    }
    handle(p);
  };
  const chain = new DecodeChain(opts.decode, counters, onPayload);
  const results: FileResult[] = [];
  for (const file of files) {
    const summary = await readCapture(file, chain.onFrame);
    results.push({ file, summary });
  }
  chain.finish();
  const track = tracker.finish(opts.settle * 1_000_000);
  onTick?.(tracker.nowUs);
  return { files: results, counters, track, events };
}
