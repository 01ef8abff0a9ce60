import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { DropNotice } from '../base/drop-notice.js';
import { LinkType, type Frame } from './frame.js';

export interface LiveCaptureOptions {
  /** Interface name, or `any` (Linux: every interface, cooked link layer). */
  interface: string;
  /** BPF filter (tcpdump syntax). */
  bpf: string;
  snaplen: number;
  /** Kernel capture buffer in bytes: what absorbs bursts while the process is busy. */
  bufferSize: number;
  promiscuous: boolean;
}

/** SIP ports, HEP and the tunnels SIP travels in (VXLAN, GTP-U, GRE, IP fragments of any of them). */
export const DEFAULT_BPF =
  'udp port 5060 or udp port 5080 or tcp port 5060 or tcp port 5080 or tcp port 5061 or sctp port 5060 or ' +
  'udp port 9060 or tcp port 9060 or udp port 4789 or udp port 2152 or proto gre or ' +
  '(ip[6:2] & 0x3fff != 0) or (vlan and (udp port 5060 or tcp port 5060))';

export const defaultLiveCaptureOptions: Omit<LiveCaptureOptions, 'interface'> = {
  bpf: DEFAULT_BPF,
  snaplen: 65535,
  bufferSize: 32 * 1024 * 1024,
  promiscuous: true,
};

interface PcapStats {
  ps_recv: number;
  ps_drop: number;
  ps_ifdrop: number;
}
interface PcapSession {
  link_type: string;
  empty_reads: number;
  on(ev: 'packet', cb: (raw: { buf: Buffer; header: Buffer }) => void): void;
  stats(): PcapStats;
  close(): void;
}
interface PcapModule {
  createSession(dev: string, opts: object): PcapSession;
}

const LINK_TYPES: Record<string, number> = {
  LINKTYPE_NULL: LinkType.NULL,
  LINKTYPE_ETHERNET: LinkType.ETHERNET,
  LINKTYPE_RAW: LinkType.RAW,
  LINKTYPE_LINUX_SLL: LinkType.LINUX_SLL,
};

let pcapModule: PcapModule | null = null;
/** The libpcap binding is loaded on first use, so file replay and HEP work where it is not built. */
function pcap(): PcapModule {
  pcapModule ??= createRequire(import.meta.url)('pcap') as PcapModule;
  return pcapModule;
}

const LE = endianness() === 'LE';
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** How often the capture checks that its interface still exists and reads libpcap's drop counters. */
const WATCH_MS = 2000;

/**
 * One live interface through libpcap: frames with the kernel's timestamps, the BPF filter applied
 * in the kernel, libpcap's drop counters published as `capture.live.<if>.*`. When the interface
 * disappears or the capture fails, it is reopened with exponential back-off (logged), while the
 * rest of the probe keeps running.
 */
export class LiveCapture {
  private session: PcapSession | null = null;
  private retryMs = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private frames = 0;
  /** Drops of sessions closed before (libpcap's counters restart with each session). */
  private base: PcapStats = { ps_recv: 0, ps_drop: 0, ps_ifdrop: 0 };
  private last: PcapStats = { ps_recv: 0, ps_drop: 0, ps_ifdrop: 0 };
  private readonly prefix: string;
  private readonly drops = new DropNotice();

  constructor(
    private readonly opts: LiveCaptureOptions,
    private readonly onFrame: (f: Frame) => void,
    private readonly counters: Counters,
    private readonly log: Log,
  ) {
    this.prefix = `capture.live.${opts.interface}.`;
  }

  /** Opens the interface; throws on a configuration error (bad filter, no such interface at start). */
  start(): void {
    this.open();
    this.timer = setInterval(() => this.watch(), WATCH_MS);
    this.timer.unref();
  }

  private open(): void {
    const o = this.opts;
    const session = pcap().createSession(o.interface, {
      filter: o.bpf,
      snap_length: o.snaplen,
      buffer_size: o.bufferSize,
      promiscuous: o.promiscuous,
      // Deliver packets as they come (immediate mode): live events should not wait for a full buffer.
      buffer_timeout: 0,
    });
    const linkType = LINK_TYPES[session.link_type];
    if (linkType === undefined) {
      session.close();
      throw new Error(`interface ${o.interface}: link type ${session.link_type} is not supported`);
    }
    const source = `if:${o.interface}`;
    const frame: Frame = { tsUs: 0, linkType, data: Buffer.alloc(0), origLen: 0, source, offset: 0 };
    session.on('packet', (raw) => {
      const h = raw.header;
      const sec = LE ? h.readUInt32LE(0) : h.readUInt32BE(0);
      const usec = LE ? h.readUInt32LE(4) : h.readUInt32BE(4);
      const caplen = LE ? h.readUInt32LE(8) : h.readUInt32BE(8);
      frame.tsUs = sec * 1_000_000 + usec;
      frame.data = raw.buf.subarray(0, Math.min(caplen, raw.buf.length));
      frame.origLen = LE ? h.readUInt32LE(12) : h.readUInt32BE(12);
      frame.offset = ++this.frames;
      this.onFrame(frame);
    });
    this.session = session;
    this.last = { ps_recv: 0, ps_drop: 0, ps_ifdrop: 0 };
    this.retryMs = RETRY_MIN_MS;
    this.counters.inc(this.prefix + 'opened');
    this.log.info({ interface: o.interface, bpf: o.bpf, linkType: session.link_type }, 'capturing');
  }

  /** Publishes drop counters; notices a vanished interface and schedules the reopen. */
  private watch(): void {
    if (this.stopped) return;
    if (this.session !== null) {
      try {
        this.last = this.session.stats();
      } catch {
        // A broken handle: treated like a vanished interface below.
        this.fail(new Error('capture handle no longer answers'));
        return;
      }
      this.publish();
      this.warnDrops();
      if (this.opts.interface !== 'any' && !existsSync(`/sys/class/net/${this.opts.interface}`)) {
        this.fail(new Error('interface disappeared'));
      }
    }
  }

  private publish(): void {
    const c = this.counters;
    c.set(this.prefix + 'received', this.base.ps_recv + this.last.ps_recv);
    c.set(this.prefix + 'dropped', this.base.ps_drop + this.last.ps_drop);
    c.set(this.prefix + 'if_dropped', this.base.ps_ifdrop + this.last.ps_ifdrop);
    c.set(this.prefix + 'frames', this.frames);
  }

  /** A loss in the kernel or the interface would otherwise only show in the counters. */
  private warnDrops(): void {
    const dropped = this.base.ps_drop + this.last.ps_drop + this.base.ps_ifdrop + this.last.ps_ifdrop;
    const fresh = this.drops.due(dropped, Date.now());
    if (fresh > 0) {
      this.log.warn(
        { interface: this.opts.interface, dropped: fresh, total: dropped, bufferSize: this.opts.bufferSize },
        'packets dropped before capture (buffer full or interface overrun): raise the interface bufferSize or narrow the bpf filter',
      );
    }
  }

  private fail(err: Error): void {
    this.closeSession();
    this.counters.inc(this.prefix + 'failures');
    this.log.warn({ interface: this.opts.interface, err: err.message, retryInMs: this.retryMs }, 'capture lost; retrying');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const t = setTimeout(() => {
      if (this.stopped) return;
      try {
        this.open();
        this.log.info({ interface: this.opts.interface }, 'capture resumed');
      } catch (err) {
        this.log.warn({ interface: this.opts.interface, err: (err as Error).message, retryInMs: this.retryMs }, 'capture still unavailable');
        this.scheduleRetry();
      }
    }, this.retryMs);
    t.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private closeSession(): void {
    if (this.session === null) return;
    this.base = {
      ps_recv: this.base.ps_recv + this.last.ps_recv,
      ps_drop: this.base.ps_drop + this.last.ps_drop,
      ps_ifdrop: this.base.ps_ifdrop + this.last.ps_ifdrop,
    };
    this.last = { ps_recv: 0, ps_drop: 0, ps_ifdrop: 0 };
    try {
      this.session.close();
    } catch {
      // Already gone with its interface.
    }
    this.session = null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.session !== null) {
      try {
        this.last = this.session.stats();
      } catch {
        // keep the last reading
      }
    }
    this.closeSession();
    this.publish();
  }
}
