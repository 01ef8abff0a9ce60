/**
 * Syslog (RFC 5424) over UDP (RFC 5426: one message per datagram), TCP or TLS (RFC 6587 octet
 * counting: `<length> <message>`, so a message may hold any byte). The MSG is the JSON document
 * or its CEF line; MSGID is the event action, so receivers can route on it without parsing.
 *
 * Plain syslog has no acknowledgements: a write resolves once the frames are handed to the
 * kernel. Over TCP/TLS a peer that is gone is noticed (the connection closed or refused) and the
 * write rejects, so the delivery keeps the batch; records written into a connection at the
 * moment its peer dies can still be lost, and a retried batch may arrive twice. Over UDP only
 * an ICMP "port unreachable" is noticed.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { z } from 'zod';
import { cefLine, importance, type Importance } from './cef.js';
import { instanceName } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { Rejections } from './rejections.js';

/** RFC 5424 facility codes (6.2.1). */
const FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  ntp: 12, audit: 13, alert: 14, clock: 15, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21,
  local6: 22, local7: 23,
} as const;

/** Severity codes: warning 4, notice 5, informational 6. */
const SEVERITY: Readonly<Record<Importance, number>> = { alert: 4, notable: 5, routine: 6 };

/** Largest UDP payload over IPv4; a bigger message cannot be sent as one datagram. */
const MAX_DATAGRAM = 65_507;

/** PRINTUSASCII runs of RFC 5424 header fields. */
const printable = (max: number) => z.string().regex(new RegExp(`^[\\x21-\\x7e]{1,${max}}$`), `1 to ${max} printable ASCII characters`);

export const syslogSchema = z.strictObject({
  name: instanceName.default('syslog'),
  transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
  host: z.string().min(1).default('127.0.0.1'),
  /** Default 514 (udp, tcp) or 6514 (tls). */
  port: z.int().min(1).max(65535).nullable().default(null),
  facility: z.enum(Object.keys(FACILITIES) as [keyof typeof FACILITIES]).default('local0'),
  /** HOSTNAME field; default the host's name. */
  hostname: printable(255).nullable().default(null),
  appName: printable(48).default('sipsentry'),
  /** MSG: the JSON document, or its CEF line. */
  format: z.enum(['json', 'cef']).default('json'),
  tlsRejectUnauthorized: z.boolean().default(true),
  /** PEM file of the CA that signed the receiver's certificate (default: the system's CAs). */
  tlsCaFile: z.string().min(1).nullable().default(null),
  /** Connect and write timeout (a receiver that stops reading). */
  timeoutMs: z.int().min(100).default(10_000),
});

export type SyslogOptions = z.output<typeof syslogSchema>;

/** The fields of the RFC 5424 header that are the same for every message of one output. */
export interface SyslogHeader {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

/** TIMESTAMP: the event's time (not the sending time), or NILVALUE when a 4-digit year cannot express it. */
function timestamp(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  return Number.isNaN(year) || year < 0 || year > 9999 ? '-' : d.toISOString();
}

/** MSGID: 1–32 printable ASCII characters. */
function msgId(action: string): string {
  const id = action.replace(/[^\x21-\x7e]/g, '_').slice(0, 32);
  return id === '' ? '-' : id;
}

/** One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG` (no structured data). */
export function syslogMessage(r: OutputRecord, h: SyslogHeader, msg: string): string {
  const pri = h.facility * 8 + SEVERITY[importance(r)];
  return `<${pri}>1 ${timestamp(r.tsMs)} ${h.hostname} ${h.appName} ${h.procId} ${msgId(r.action)} - ${msg}`;
}

/** RFC 6587 octet counting: the length in bytes, a space, the message. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

/** Waits for a socket operation reported through a callback, failing after `ms`. */
function withTimeout(ms: number, what: string, start: (done: (err?: Error | null) => void) => void, onTimeout: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: no answer within ${ms} ms`));
    }, ms);
    start((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

interface Sender {
  /** Sends the messages in order; rejects when the receiver is known to be unreachable. */
  send(messages: string[], records: readonly OutputRecord[]): Promise<void>;
  close(): Promise<void>;
}

class UdpSender implements Sender {
  private socket: UdpSocket | null = null;

  constructor(
    private readonly o: SyslogOptions,
    private readonly port: number,
    private readonly rejections: Rejections,
  ) {}

  async send(messages: string[], records: readonly OutputRecord[]): Promise<void> {
    const socket = this.socket ?? (await this.open());
    for (let i = 0; i < messages.length; i++) {
      const buf = Buffer.from(messages[i]!);
      if (buf.length > MAX_DATAGRAM) {
        this.rejections.reject(records[i]!, `${buf.length} bytes do not fit a UDP datagram`);
        continue;
      }
      // One at a time: a burst of a whole batch would overflow a local receiver's socket buffer.
      await new Promise<void>((resolve, reject) => socket.send(buf, (err) => (err ? reject(err) : resolve())));
    }
  }

  /** A connected socket, so that an ICMP port unreachable comes back as ECONNREFUSED on a later send. */
  private async open(): Promise<UdpSocket> {
    const { address, family } = await lookup(this.o.host);
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => this.drop(socket));
    await withTimeout(this.o.timeoutMs, `syslog udp ${this.o.host}`, (done) => socket.connect(this.port, address, () => done()), () => this.drop(socket));
    this.socket = socket;
    return socket;
  }

  private drop(socket: UdpSocket): void {
    if (this.socket === socket) this.socket = null;
    try {
      socket.close();
    } catch {
      // already closed
    }
  }

  async close(): Promise<void> {
    if (this.socket !== null) this.drop(this.socket);
  }
}

class StreamSender implements Sender {
  private socket: Socket | null = null;
  private readonly ca: Buffer | undefined;

  constructor(
    private readonly o: SyslogOptions,
    private readonly port: number,
    private readonly log: OutputContext['log'],
    private readonly name: string,
  ) {
    this.ca = o.tlsCaFile === null ? undefined : readFileSync(o.tlsCaFile);
  }

  async send(messages: string[]): Promise<void> {
    const socket = this.socket ?? (await this.open());
    const frames = Buffer.from(messages.map(octetCounted).join(''));
    // Resolves once the kernel took the bytes; a peer that stopped reading makes it time out.
    await withTimeout(this.o.timeoutMs, `syslog ${this.o.transport} write`, (done) => socket.write(frames, done), () => this.drop(socket));
  }

  private async open(): Promise<Socket> {
    const { host, transport } = this.o;
    const socket =
      transport === 'tls'
        ? tlsConnect({ host, port: this.port, servername: isIP(host) ? undefined : host, rejectUnauthorized: this.o.tlsRejectUnauthorized, ca: this.ca })
        : tcpConnect({ host, port: this.port });
    try {
      await withTimeout(
        this.o.timeoutMs,
        `syslog ${transport} connect to ${host}:${this.port}`,
        (done) => {
          socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => done());
          socket.once('error', done);
        },
        () => socket.destroy(),
      );
    } catch (err) {
      socket.destroy();
      throw err;
    }
    socket.setKeepAlive(true, 30_000);
    // Receivers send nothing; a closed or failed connection is forgotten and the next write reconnects.
    socket.resume();
    socket.on('error', (err) => {
      this.log.warn({ output: this.name, err: err.message }, 'syslog connection failed');
      this.drop(socket);
    });
    socket.on('end', () => this.drop(socket));
    socket.on('close', () => this.drop(socket));
    this.socket = socket;
    return socket;
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    socket.destroy();
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    // end() sends what is buffered, then FIN; wait for the close so nothing is cut.
    await withTimeout(this.o.timeoutMs, 'syslog close', (done) => socket.end(() => done()), () => socket.destroy()).catch(() => socket.destroy());
  }
}

class SyslogOutput implements Output {
  readonly name: string;
  private readonly header: SyslogHeader;
  private readonly sender: Sender;
  private readonly format: SyslogOptions['format'];

  constructor(o: SyslogOptions, ctx: OutputContext) {
    this.name = o.name;
    this.format = o.format;
    this.header = {
      facility: FACILITIES[o.facility],
      hostname: o.hostname ?? (osHostname().replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-'),
      appName: o.appName,
      procId: String(process.pid),
    };
    const port = o.port ?? (o.transport === 'tls' ? 6514 : 514);
    this.sender = o.transport === 'udp' ? new UdpSender(o, port, new Rejections(o.name, ctx)) : new StreamSender(o, port, ctx.log, o.name);
  }

  /** Nothing to prepare: the first write connects (a receiver down at start-up is an ordinary failed write). */
  async open(): Promise<void> {}

  async write(batch: readonly OutputRecord[]): Promise<void> {
    const messages = batch.map((r) => syslogMessage(r, this.header, this.format === 'cef' ? cefLine(r) : r.json));
    await this.sender.send(messages, batch);
  }

  close(): Promise<void> {
    return this.sender.close();
  }
}

/** `udp://host:port`, `tcp://host:port` or `tls://host:port` (port optional; `[::1]` for IPv6). */
function fromTarget(target: string | undefined): Record<string, unknown> {
  if (target === undefined || target === '') return {};
  const m = /^(udp|tcp|tls):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(target);
  if (m === null) throw new Error(`syslog target ${JSON.stringify(target)}: expected udp://HOST[:PORT], tcp://… or tls://…`);
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { transport: m[1], host, ...(m[3] === undefined ? {} : { port: Number(m[3]) }) };
}

/** RFC 5424 syslog with the JSON document or a CEF line as message. */
export const syslogOutput: OutputKind<typeof syslogSchema> = {
  kind: 'syslog',
  schema: syslogSchema,
  fromTarget,
  create(options, ctx) {
    return new SyslogOutput(options, ctx);
  },
};
