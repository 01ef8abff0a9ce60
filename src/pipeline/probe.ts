import { Counters } from '../base/counters.js';
import type { Frame } from '../capture/frame.js';
import type { SipPayload } from '../decode/sip-payload.js';
import type { BlocklistApi } from '../guard/blocklist/types.js';
import { createGuard, type Guard } from '../guard/guard.js';
import type { GuardConfig } from '../guard/options.js';
import { MessageLog, type MessageLogOptions } from '../track/message-log.js';
import { Tracker } from '../track/tracker.js';
import type { TrackOptions } from '../track/options.js';
import type { TrackEvent } from '../track/track-event.js';
import { DecodeChain, type DecodeOptions } from './decode-chain.js';
import type { EventWriter } from './event-writer.js';
import { payloadHandler } from './replay.js';

export interface ProbeOptions {
  decode: DecodeOptions;
  track: TrackOptions;
  guard: GuardConfig;
  /**
   * Live inputs: how far behind the wall clock the tracker's timers run when packets are scarce.
   * Captured packets reach us a little late and slightly out of order (several interfaces, HEP
   * senders); a timer must not fire before the reply that cancels it had a chance to arrive.
   */
  lagS: number;
  /** Recent messages per Call-ID for call-flow ladders and pcap downloads; null = not kept. */
  callFlows?: MessageLogOptions | null;
}

/**
 * The long-running data path of `sipsentry run`: every input (interfaces, HEP listeners, files)
 * feeds one decode chain and one tracker; kept events go to the writer. Time comes from packets;
 * when they are scarce, `tick(wallUs)` moves it on so calls time out and registrations expire
 * while the network is quiet.
 */
export class Probe {
  readonly counters: Counters;
  readonly tracker: Tracker;
  readonly guard: Guard;
  /** Recent messages per Call-ID (call flows), when enabled. */
  readonly messageLog: MessageLog | null;
  private readonly advanceListeners: Array<(nowUs: number, sinceUs: number) => void> = [];
  /** Clock of the previous step (first packet time before the first step). */
  private stepUs = -1;
  private readonly chain: DecodeChain;
  private readonly handle: (p: SipPayload) => void;
  /** Largest packet time seen (µs). */
  private lastPacketUs = 0;
  private nextTickUs = -1;

  constructor(
    private readonly opts: ProbeOptions,
    private readonly writer: EventWriter,
    counters = new Counters(),
    blocklist: BlocklistApi | null = null,
  ) {
    this.counters = counters;
    this.guard = createGuard(opts.guard, counters, { alert: writer.alert, blocklist });
    this.tracker = new Tracker(opts.track, counters, (e: TrackEvent) => {
      const kept = this.guard.run(e);
      if (kept !== null) writer.event(kept);
    });
    this.guard.addGauges('track.tables', () => this.tracker.tables);
    const guard = this.guard;
    const flows = opts.callFlows != null && opts.callFlows.maxBytes > 0 ? new MessageLog(opts.callFlows) : null;
    this.messageLog = flows;
    if (flows !== null) this.guard.addGauges('track.message_log', () => flows.size);
    const detect = guard.detection !== null;
    this.handle = payloadHandler(
      counters,
      this.tracker,
      flows === null
        ? detect
          ? (p, m) => guard.onMessage(p, m)
          : null
        : (p, m) => {
            flows.record(p, m);
            if (detect) guard.onMessage(p, m);
          },
    );
    this.chain = new DecodeChain(opts.decode, counters, this.onPayload);
  }

  /**
   * One SIP-flow payload, already decoded (from the decode chain, or built by an input that
   * receives SIP itself, such as the honeypot). `p` is read during the call only.
   */
  readonly onPayload = (p: SipPayload): void => {
    const ts = p.tsUs;
    if (ts > this.lastPacketUs) this.lastPacketUs = ts;
    // Policy runs on packet time too, so a burst is judged by when it happened, not when read.
    if (ts >= this.nextTickUs) {
      if (this.nextTickUs >= 0) this.advance(ts);
      else this.stepUs = ts;
      // Whole seconds: what is counted between two steps then lies within one second of packet time.
      this.nextTickUs = (Math.floor(ts / 1_000_000) + 1) * 1_000_000;
    }
    this.handle(p);
  };

  /** Packet time of the latest packet (µs; 0 before the first). */
  get lastPacketTimeUs(): number {
    return this.lastPacketUs;
  }

  /** Frames from an interface or a file. */
  readonly onFrame = (f: Frame): void => {
    this.chain.onFrame(f);
  };

  /** A packet from a HEP listener. */
  readonly onHep = (buf: Buffer, start: number, end: number, rxUs: number, peerIp: string, peerPort: number, localPort: number): void => {
    this.chain.onHep(buf, start, end, rxUs, peerIp, peerPort, localPort);
  };

  /** Live inputs, about once a second of wall time: the clock moves to max(packet time, wall − lag). */
  tick(wallUs: number): void {
    this.advance(Math.max(this.lastPacketUs, wallUs - this.opts.lagS * 1_000_000));
  }

  /**
   * Calls `listener` each time the clock moves on (about once a second of packet or wall time),
   * with the time of the previous step: what was counted in between happened in the same whole
   * second of packet time as `sinceUs` (the next whole second's first packet makes the next step).
   */
  onAdvance(listener: (nowUs: number, sinceUs: number) => void): void {
    this.advanceListeners.push(listener);
  }

  /** Timers, guard calm-downs and periodic stats up to `now`. */
  private advance(now: number): void {
    this.chain.tick(now);
    this.tracker.advance(now);
    const since = this.stepUs >= 0 ? this.stepUs : this.tracker.nowUs;
    this.stepUs = this.tracker.nowUs;
    for (const l of this.advanceListeners) l(this.tracker.nowUs, since);
    for (const s of this.guard.tick(this.tracker.nowUs)) this.writer.event(s);
    const st = this.guard.dueStats(this.tracker.nowUs);
    if (st !== null) this.writer.document(st);
  }

  /**
   * Shutdown: decoders flushed, the clock moved to `nowUs` (live: the wall clock; files only: the
   * last packet plus the settle time), open rate-limit episodes summarised, a final stats document.
   * Calls and registrations still alive stay unreported (nothing invented).
   */
  finish(nowUs: number): void {
    this.chain.finish();
    this.advance(Math.max(this.lastPacketUs, nowUs));
    for (const s of this.guard.finish(this.tracker.nowUs)) this.writer.event(s);
    if (this.tracker.nowUs > 0) this.writer.document(this.guard.stats(this.tracker.nowUs, true));
  }
}
