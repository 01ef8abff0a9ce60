import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { DropNotice } from '../base/drop-notice.js';
import { listenTcp } from '../base/listen.js';
import { udpKernelDrops } from './udp-drops.js';

/** HEP3: "HEP3" then a 16-bit total length; the largest packet a peer may send over a stream. */
const HEADER = 6;
const MAX_PACKET = 65_507;

export interface HepListenerOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  /** Concurrent TCP senders (Kamailio/OpenSIPS instances, heplify agents). */
  maxConnections: number;
  /** A TCP sender silent this long is disconnected (seconds; 0 = never). */
  idleTimeout: number;
  /**
   * UDP receive buffer asked of the kernel (bytes): what absorbs a burst while the probe is busy.
   * Linux grants at most net.core.rmem_max; a smaller grant is logged at start.
   */
  recvBuffer: number;
}

export const defaultHepListenerOptions: HepListenerOptions = { host: '0.0.0.0', port: 9060, udp: true, tcp: true, maxConnections: 256, idleTimeout: 600, recvBuffer: 8 * 1024 * 1024 };

/** How often the kernel's drop count of the UDP socket is read (ms). */
const WATCH_MS = 2000;

/** Receives one HEP packet: bytes [start, end) of `buf` (valid during the call), the receive time and the sender. */
export type HepSink = (buf: Buffer, start: number, end: number, rxUs: number, peerIp: string, peerPort: number, localPort: number) => void;

/** Receive time in microseconds since the epoch (live input: wall clock is the packet clock). */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * HEP (Homer Encapsulation Protocol) receiver for SIP servers that mirror their traffic (Kamailio
 * siptrace, OpenSIPS proto_hep, heplify): UDP datagrams are one packet each; TCP carries packets
 * back to back, framed by their own length. A stream that stops looking like HEP is closed (a
 * sender speaking something else cannot be resynchronised reliably), counted and logged.
 */
export class HepListener {
  private udp: Socket | null = null;
  private tcp: Server | null = null;
  private readonly conns = new Set<TcpSocket>();
  /** The bound UDP/TCP port (differs from the configured one when that is 0). */
  port = 0;
  /** UDP receive buffer the kernel granted (bytes of payload it holds), 0 before start or without UDP. */
  recvBuffer = 0;
  private watch: NodeJS.Timeout | null = null;
  private readonly drops = new DropNotice();
  /** This socket's kernel drops already added to the counter (several listeners add to one). */
  private dropsCounted = 0;

  constructor(
    private readonly opts: HepListenerOptions,
    private readonly sink: HepSink,
    private readonly counters: Counters,
    private readonly log: Log,
  ) {}

  async start(): Promise<void> {
    const { host } = this.opts;
    let port = this.opts.port;
    if (this.opts.tcp) {
      const server = createServer((s) => this.accept(s));
      server.maxConnections = this.opts.maxConnections;
      await listenTcp(server, port, host);
      server.on('error', (err) => this.log.error({ err }, 'HEP TCP listener error'));
      this.tcp = server;
      port = (server.address() as { port: number }).port;
    }
    if (this.opts.udp) {
      const ipv6 = host.includes(':');
      const sock = createSocket({ type: ipv6 ? 'udp6' : 'udp4', recvBufferSize: this.opts.recvBuffer });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(port, host, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      sock.on('error', (err) => this.log.error({ err }, 'HEP UDP listener error'));
      sock.on('message', (msg, rinfo) => {
        this.counters.inc('capture.hep.udp_datagrams');
        this.sink(msg, 0, msg.length, nowUs(), rinfo.address, rinfo.port, port);
      });
      this.udp = sock;
      port = sock.address().port;
      // Linux reports twice what it granted (the other half is its own bookkeeping).
      const granted = sock.getRecvBufferSize() / (process.platform === 'linux' ? 2 : 1);
      this.recvBuffer = granted;
      if (granted < this.opts.recvBuffer) {
        this.log.warn(
          { port, asked: this.opts.recvBuffer, granted },
          'HEP UDP receive buffer smaller than asked: bursts may be dropped by the kernel (raise net.core.rmem_max)',
        );
      }
      this.watch = setInterval(() => this.checkDrops(), WATCH_MS);
      this.watch.unref();
    }
    this.port = port;
    this.log.info({ host, port, udp: this.opts.udp, tcp: this.opts.tcp }, 'HEP listener started');
  }

  private accept(s: TcpSocket): void {
    this.counters.inc('capture.hep.tcp_connections');
    this.conns.add(s);
    const peerIp = s.remoteAddress ?? '';
    const peerPort = s.remotePort ?? 0;
    const localPort = s.localPort ?? this.port;
    if (this.opts.idleTimeout > 0) s.setTimeout(this.opts.idleTimeout * 1000, () => s.destroy());
    let pending: Buffer | null = null;
    s.on('data', (chunk: Buffer) => {
      const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      pending = null;
      let p = 0;
      const rx = nowUs();
      while (buf.length - p >= HEADER) {
        const len = buf.readUInt16BE(p + 4);
        if (buf[p] !== 0x48 || buf[p + 1] !== 0x45 || buf[p + 2] !== 0x50 || buf[p + 3] !== 0x33 || len < HEADER || len > MAX_PACKET) {
          this.counters.inc('capture.hep.tcp_garbage');
          this.log.warn({ peer: `${peerIp}:${peerPort}` }, 'HEP TCP sender sent something that is not HEP3; connection closed');
          s.destroy();
          return;
        }
        if (buf.length - p < len) break;
        this.sink(buf, p, p + len, rx, peerIp, peerPort, localPort);
        p += len;
      }
      // Keep the tail (a partial packet) as an owned copy: the chunk may be reused.
      if (p < buf.length) pending = Buffer.from(buf.subarray(p));
    });
    s.on('error', () => this.counters.inc('capture.hep.tcp_errors'));
    s.on('close', () => {
      if (pending !== null) this.counters.inc('capture.hep.tcp_truncated');
      this.conns.delete(s);
    });
  }

  /**
   * Publishes the datagrams the kernel dropped because the receive buffer was full
   * (`capture.hep.udp_kernel_drops`, the sum over the listeners; Linux) and warns when the count
   * grew: otherwise a feed faster than the probe would lose messages silently.
   */
  checkDrops(nowMs = Date.now()): void {
    const port = this.port;
    const total = udpKernelDrops(port, this.opts.host.includes(':'));
    if (total === null) return;
    if (total > this.dropsCounted) {
      this.counters.inc('capture.hep.udp_kernel_drops', total - this.dropsCounted);
      this.dropsCounted = total;
    }
    const fresh = this.drops.due(total, nowMs);
    if (fresh > 0) {
      this.log.warn(
        { port, dropped: fresh, total, recvBuffer: this.recvBuffer },
        'HEP UDP datagrams dropped by the kernel (receive buffer full): raise inputs.hep.recvBuffer and net.core.rmem_max, or send over TCP',
      );
    }
  }

  async stop(): Promise<void> {
    if (this.watch !== null) {
      clearInterval(this.watch);
      this.watch = null;
    }
    const tasks: Promise<void>[] = [];
    if (this.udp !== null) {
      this.checkDrops();
      const u = this.udp;
      tasks.push(new Promise((resolve) => u.close(() => resolve())));
      this.udp = null;
    }
    if (this.tcp !== null) {
      const t = this.tcp;
      for (const c of this.conns) c.destroy();
      tasks.push(new Promise((resolve) => t.close(() => resolve())));
      this.tcp = null;
    }
    await Promise.all(tasks);
  }
}
