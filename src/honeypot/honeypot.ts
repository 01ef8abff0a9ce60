import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { z } from 'zod';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { byteSize, duration, hostPort } from '../config/units.js';
import type { PayloadKind, SipPayload, SipTransport } from '../decode/sip-payload.js';
import { parseSipMessage } from '../sip/index.js';
import { payloadKind } from './payload-kind.js';
import { personaOptionSchema, type Persona } from './persona.js';
import { hasValidStartLine, respond, type ResponderContext } from './responder.js';
import { SourceTable } from './source-table.js';
import { StreamFramer } from './stream-framer.js';
import { listenTcp } from '../base/listen.js';

/** `HOST:PORT` text, or `{ host, port }` where port 0 asks the system for a free port. */
const listenAddress = z.union([hostPort(), z.strictObject({ host: z.string().min(1), port: z.number().int().min(0).max(65535) })]);

export const honeypotSchema = z.strictObject({
  listen: z.array(listenAddress).min(1).max(16).prefault(['0.0.0.0:5060']).describe('Addresses the honeypot answers on (UDP and TCP on each).'),
  udp: z.boolean().default(true),
  tcp: z.boolean().default(true),
  persona: personaOptionSchema.prefault('asterisk').describe('What the honeypot claims to be: asterisk, freeswitch, generic, or an object overriding fields.'),
  maxResponsesPerSource: z.number().positive().max(10_000).default(10).describe('Responses per second one source IP gets; beyond, the honeypot stays silent.'),
  maxSources: z.number().int().min(1).default(65_536).describe('Sources remembered (least recently seen forgotten first).'),
  maxConnections: z.number().int().min(1).default(256).describe('Concurrent TCP connections.'),
  maxMessageBytes: byteSize().pipe(z.number().int().min(1024).max(65_535)).default(16_384).describe('Largest SIP message accepted on TCP; larger ends the connection.'),
  idleTimeout: duration().default(60).describe('A TCP peer silent this long is disconnected.'),
}).refine((o) => o.udp || o.tcp, { message: 'at least one of udp and tcp must be true' });
export type HoneypotOptions = z.output<typeof honeypotSchema>;

/** Receives every unit received and every response sent, as the decode stage would hand it on. */
export type HoneypotSink = (p: SipPayload) => void;
/** Called for every unit received; `first` when the source IP is new since start (or forgotten). */
export type SourceReporter = (ip: string, port: number, tsUs: number, first: boolean) => void;

export interface BoundAddress {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
}

interface Endpoint {
  ip: string;
  port: number;
}

/** TCP output a peer leaves unread beyond this is not worth keeping: the connection is closed. */
const MAX_UNSENT_BYTES = 64 * 1024;

/** Wall clock in µs: a live input's receive time is its packet time. */
function wallClockUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** 128 random bits: a nonce nobody can predict or replay from an earlier challenge. */
function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** An IPv4 peer seen through a dual-stack socket is reported as IPv4. */
function plainIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * A SIP listener that answers like a plausible PBX (see responder.ts), never completes
 * authentication, and reports every source. Responses go only to the packet's source address
 * (never to an address named in the request, RFC 3581 style), are rate-limited per source IP and
 * bounded in size, so the honeypot cannot be used to reflect or amplify traffic.
 */
export class Honeypot {
  private readonly persona: Persona;
  private readonly sources: SourceTable;
  /** Secret behind the To tags (stable per Call-ID for this process only). */
  private readonly tagKey = randomBytes(32);
  private readonly udpSockets: Socket[] = [];
  private readonly tcpServers: Server[] = [];
  private readonly conns = new Set<TcpSocket>();
  /** Where the honeypot listens (ports as bound, after start()). */
  addresses: BoundAddress[] = [];

  constructor(
    private readonly opts: HoneypotOptions,
    private readonly counters: Counters,
    private readonly log: Log,
    private readonly sink: HoneypotSink,
    private readonly onSource: SourceReporter,
  ) {
    this.persona = opts.persona;
    this.sources = new SourceTable(opts.maxResponsesPerSource, opts.maxSources);
  }

  /** Binds every address (TCP first, then UDP on the same port, so port 0 gives one port for both). */
  async start(): Promise<BoundAddress[]> {
    try {
      for (const { host, port } of this.opts.listen) {
        let bound = port;
        if (this.opts.tcp) bound = await this.listenTcp(host, bound);
        if (this.opts.udp) bound = await this.listenUdp(host, bound);
        this.addresses.push({ host, port: bound, udp: this.opts.udp, tcp: this.opts.tcp });
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    this.log.info({ addresses: this.addresses, persona: this.persona.name }, 'SIP honeypot listening');
    return this.addresses;
  }

  async close(): Promise<void> {
    const tasks: Promise<void>[] = [];
    for (const u of this.udpSockets.splice(0)) tasks.push(new Promise((resolve) => u.close(() => resolve())));
    for (const c of this.conns) c.destroy();
    for (const t of this.tcpServers.splice(0)) tasks.push(new Promise((resolve) => t.close(() => resolve())));
    await Promise.all(tasks);
  }

  private async listenUdp(host: string, port: number): Promise<number> {
    const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', (err) => {
        sock.close();
        reject(err);
      });
      sock.bind(port, host, () => {
        sock.removeAllListeners('error');
        resolve();
      });
    });
    this.udpSockets.push(sock);
    const localPort = sock.address().port;
    // A UDP socket does not tell which local address a datagram reached: the bound one is
    // reported (a dual-stack wildcard as the IPv4 wildcard for IPv4 peers).
    const local6: Endpoint = { ip: plainIp(host), port: localPort };
    const local4: Endpoint = { ip: host === '::' ? '0.0.0.0' : local6.ip, port: localPort };
    sock.on('error', (err) => this.log.error({ err }, 'honeypot UDP socket error'));
    sock.on('message', (msg, rinfo) => {
      const peer: Endpoint = { ip: plainIp(rinfo.address), port: rinfo.port };
      const local = peer.ip.includes(':') ? local6 : local4;
      this.receive(msg, 0, msg.length, payloadKind(msg, 0, msg.length), 'udp', peer, local, (r) =>
        // The packet source, never the Via: a spoofed request cannot aim the answer elsewhere.
        sock.send(r, peer.port, rinfo.address, (err) => {
          if (err) this.counters.inc('honeypot.send_errors');
        }),
      );
    });
    return localPort;
  }

  private async listenTcp(host: string, port: number): Promise<number> {
    const server = createServer((s) => this.accept(s));
    server.maxConnections = this.opts.maxConnections;
    await listenTcp(server, port, host);
    this.tcpServers.push(server);
    server.on('error', (err) => this.log.error({ err }, 'honeypot TCP listener error'));
    return (server.address() as { port: number }).port;
  }

  private accept(s: TcpSocket): void {
    if (this.conns.size >= this.opts.maxConnections) {
      this.counters.inc('honeypot.tcp_refused');
      s.destroy();
      return;
    }
    this.counters.inc('honeypot.tcp_connections');
    this.conns.add(s);
    const peer: Endpoint = { ip: plainIp(s.remoteAddress ?? ''), port: s.remotePort ?? 0 };
    const local: Endpoint = { ip: plainIp(s.localAddress ?? ''), port: s.localPort ?? 0 };
    const framer = new StreamFramer(this.opts.maxMessageBytes);
    const reply = (r: Buffer): void => {
      if (s.destroyed) return;
      if (s.writableLength > MAX_UNSENT_BYTES) {
        this.counters.inc('honeypot.tcp_unread');
        s.destroy();
        return;
      }
      s.write(r);
    };
    if (this.opts.idleTimeout > 0) s.setTimeout(this.opts.idleTimeout * 1000, () => s.destroy());
    s.on('data', (chunk: Buffer) => {
      const status = framer.push(chunk, (buf, start, end, kind) => this.receive(buf, start, end, kind, 'tcp', peer, local, reply));
      if (status !== 'ok') {
        this.counters.inc(status === 'not-sip' ? 'honeypot.tcp_not_sip' : 'honeypot.malformed');
        this.log.debug({ peer: `${peer.ip}:${peer.port}`, status }, 'honeypot TCP connection closed');
        s.destroy();
      }
    });
    s.on('error', () => this.counters.inc('honeypot.tcp_errors'));
    s.on('close', () => this.conns.delete(s));
  }

  /** One unit from a peer: hand it on, note the source, answer when the policy and the budget allow. */
  private receive(buf: Buffer, start: number, end: number, kind: PayloadKind, transport: SipTransport, peer: Endpoint, local: Endpoint, reply: (r: Buffer) => void): void {
    const rxUs = wallClockUs();
    this.sink(this.payload(buf, start, end, kind, transport, peer, local, rxUs));
    const evicted = this.sources.evicted;
    const first = this.sources.touch(peer.ip, rxUs);
    if (first) {
      this.counters.inc('honeypot.sources');
      this.counters.set('honeypot.source_table', this.sources.size);
      if (this.sources.evicted !== evicted) this.counters.inc('honeypot.sources_evicted');
    }
    this.onSource(peer.ip, peer.port, rxUs, first);
    if (kind !== 'sip') {
      if (kind === 'non-sip') this.counters.inc('honeypot.non_sip');
      return;
    }

    const m = parseSipMessage(buf, start, end);
    const ctx: ResponderContext = { persona: this.persona, srcIp: peer.ip, srcPort: peer.port, tagKey: this.tagKey, nonce: newNonce };
    if (m.isRequest && hasValidStartLine(m)) this.counters.inc('honeypot.requests');
    const answer = respond(m, ctx);
    if (answer.kind === 'malformed') {
      this.counters.inc('honeypot.malformed');
      return;
    }
    if (answer.kind === 'too-large') {
      this.counters.inc('honeypot.too_large');
      return;
    }
    if (answer.kind === 'none') return;
    if (!this.sources.take(peer.ip, answer.responses.length, rxUs)) {
      this.counters.inc('honeypot.silenced');
      return;
    }
    for (const r of answer.responses) {
      reply(r);
      this.counters.inc('honeypot.responses');
      this.sink(this.payload(r, 0, r.length, 'sip', transport, local, peer, wallClockUs()));
    }
  }

  private payload(buf: Buffer, start: number, end: number, kind: PayloadKind, transport: SipTransport, src: Endpoint, dst: Endpoint, tsUs: number): SipPayload {
    return {
      tsUs,
      ipVersion: src.ip.includes(':') ? 6 : 4,
      srcIp: src.ip,
      srcPort: src.port,
      dstIp: dst.ip,
      dstPort: dst.port,
      transport,
      encap: ['honeypot'],
      kind,
      buf,
      start,
      end,
      skipped: 0,
      hep: null,
    };
  }
}
