import type { SipPayload, SipTransport } from '../decode/sip-payload.js';
import type { SipMessage } from '../sip/message.js';
import { OldestKey } from '../base/oldest-key.js';

/** One SIP message as it crossed the capture point: addresses, packet time and a copy of its bytes. */
export interface LoggedMessage {
  readonly tsUs: number;
  readonly ipVersion: 4 | 6;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly transport: SipTransport;
  readonly bytes: Buffer;
}

export interface MessageLogOptions {
  /** Bytes of messages kept in all (copies plus a fixed per-message overhead); the least recently active Call-IDs go first. */
  maxBytes: number;
  /** Messages kept per Call-ID; later ones are counted, not kept (the start of a dialog explains it best). */
  maxPerCall: number;
}

/** What one message costs beyond its bytes (object, strings, map entry): an estimate that keeps the cap honest. */
const OVERHEAD = 160;

interface CallLog {
  messages: LoggedMessage[];
  dropped: number;
  bytes: number;
}

/**
 * The recent SIP messages of each Call-ID, for call-flow ladders and per-dialog pcap downloads.
 * Bounded in bytes: when full, the Call-IDs silent the longest are forgotten first (a Map keeps
 * insertion order, and each message re-inserts its Call-ID at the end).
 */
export class MessageLog {
  private readonly calls = new Map<string, CallLog>();
  /** Each message re-inserts its Call-ID, so the front of the map fills with holes: walk past them once. */
  private readonly oldest = new OldestKey(this.calls);
  private bytes = 0;
  /** Call-IDs forgotten to stay under maxBytes. */
  evicted = 0;

  constructor(private readonly o: MessageLogOptions) {}

  /** Records a parsed message (`p` is read during the call only: the bytes are copied). */
  record(p: SipPayload, m: SipMessage): void {
    const callId = m.callId;
    if (callId === null) return;
    const size = p.end - p.start + OVERHEAD;
    if (size > this.o.maxBytes) return;
    let log = this.calls.get(callId);
    if (log === undefined) {
      log = { messages: [], dropped: 0, bytes: 0 };
    } else {
      this.calls.delete(callId);
    }
    this.calls.set(callId, log);
    if (log.messages.length >= this.o.maxPerCall) {
      log.dropped++;
      return;
    }
    log.messages.push({
      tsUs: p.tsUs,
      ipVersion: p.ipVersion,
      srcIp: p.srcIp,
      srcPort: p.srcPort,
      dstIp: p.dstIp,
      dstPort: p.dstPort,
      transport: p.transport,
      bytes: Buffer.from(p.buf.subarray(p.start, p.end)),
    });
    log.bytes += size;
    this.bytes += size;
    while (this.bytes > this.o.maxBytes) this.evictOldest(callId);
  }

  /** The messages of a Call-ID in arrival order, and how many more were not kept. */
  get(callId: string): { messages: readonly LoggedMessage[]; dropped: number } | undefined {
    const log = this.calls.get(callId);
    return log === undefined ? undefined : { messages: log.messages, dropped: log.dropped };
  }

  get size(): { calls: number; bytes: number } {
    return { calls: this.calls.size, bytes: this.bytes };
  }

  private evictOldest(keep: string): void {
    const id = this.oldest.next();
    if (id === undefined) return;
    const log = this.calls.get(id)!;
    if (id === keep) {
      // Only the current Call-ID is left over the cap: drop its oldest messages instead.
      const m = log.messages.shift();
      if (m === undefined) return;
      const size = m.bytes.length + OVERHEAD;
      log.bytes -= size;
      this.bytes -= size;
      log.dropped++;
      return;
    }
    this.calls.delete(id);
    this.bytes -= log.bytes;
    this.evicted++;
  }
}
