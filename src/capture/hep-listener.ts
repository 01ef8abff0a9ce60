import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { listenTcp } from '../base/listen.js';

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
}

export const defaultHepListenerOptions: HepListenerOptions = { host: '0.0.0.0', port: 9060, udp: true, tcp: true, maxConnections: 256, idleTimeout: 600 };

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
      const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 * 1024 * 1024 });
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

  async stop(): Promise<void> {
    const tasks: Promise<void>[] = [];
    if (this.udp !== null) {
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
