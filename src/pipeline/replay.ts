import { Counters } from '../base/counters.js';
import { readCapture, type CaptureSummary } from '../capture/read-capture.js';
import type { SipPayload } from '../decode/sip-payload.js';
import { parseSipMessage } from '../sip/parse.js';
import type { SipMessage } from '../sip/message.js';
import { Tracker, type TrackSummary } from '../track/tracker.js';
import { defaultTrackOptions, type TrackOptions } from '../track/options.js';
import type { TrackEvent } from '../track/track-event.js';
import { DecodeChain, defaultDecodeOptions, type DecodeOptions } from './decode-chain.js';

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

/** Counts SIP messages by method and status class as they pass (stats contract names). */
export function countMessage(counters: Counters, m: SipMessage): void {
  if (m.isRequest) counters.inc('sip.requests.' + m.method);
  else counters.inc('sip.responses.' + Math.floor(m.status / 100) + 'xx');
}

/**
 * Replays capture files through decode → parse → track and hands each stated fact to `onEvent`.
 * Files are read one after another on one packet clock (time never runs backwards).
 */
export async function replayFiles(
  files: string[],
  opts: ReplayOptions,
  onEvent: (e: TrackEvent) => void,
  counters = new Counters(),
): Promise<ReplayResult> {
  const events: Record<string, number> = {};
  const tracker = new Tracker(opts.track, counters, (e) => {
    events[e.action] = (events[e.action] ?? 0) + 1;
    onEvent(e);
  });
  const onPayload = (p: SipPayload): void => {
    switch (p.kind) {
      case 'sip': {
        const m = parseSipMessage(p.buf, p.start, p.end);
        counters.inc('sip.messages');
        if (m.error !== null) {
          counters.inc('sip.parse_errors');
          tracker.onParseError(p, m);
        } else {
          countMessage(counters, m);
          tracker.onMessage(p, m);
        }
        break;
      }
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
  const chain = new DecodeChain(opts.decode, counters, onPayload);
  const results: FileResult[] = [];
  for (const file of files) {
    const summary = await readCapture(file, chain.onFrame);
    results.push({ file, summary });
  }
  chain.finish();
  const track = tracker.finish(opts.settle * 1_000_000);
  return { files: results, counters, track, events };
}
