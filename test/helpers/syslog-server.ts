/**
 * Syslog receivers for tests: UDP (one message per datagram), TCP and TLS (RFC 6587 octet
 * counting, frames split across reads at any byte). Every message is parsed strictly as RFC 5424
 * as sipsentry writes it (no structured data); anything else fails the test through `errors`.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

export interface SyslogFrame {
  pri: number;
  facility: number;
  severity: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

const HEADER =
  /^<(\d{1,3})>1 (-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (-) /;

/** Parses one RFC 5424 message; throws on anything that is not one. */
export function parseRfc5424(message: string): SyslogFrame {
  const m = HEADER.exec(message);
  if (m === null) throw new Error(`not an RFC 5424 message: ${JSON.stringify(message.slice(0, 120))}`);
  const pri = Number(m[1]);
  if (pri > 191 || (m[1]!.length > 1 && m[1]!.startsWith('0'))) throw new Error(`bad PRI ${m[1]}`);
  return {
    pri,
    facility: pri >> 3,
    severity: pri & 7,
    timestamp: m[2]!,
    hostname: m[3]!,
    appName: m[4]!,
    procId: m[5]!,
    msgId: m[6]!,
    structuredData: m[7]!,
    msg: message.slice(m[0].length),
  };
}

export interface SyslogListener {
  readonly port: number;
  readonly frames: SyslogFrame[];
  /** Framing or parsing errors seen (a test asserts this stays empty). */
  readonly errors: string[];
  /** Resolves once `n` messages arrived (fails after `timeoutMs`, a hang guard, not a speed check). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  /** Closes the open connections (TCP/TLS), as a restarting receiver does. */
  dropConnections(): void;
  close(): Promise<void>;
}

function collector() {
  const frames: SyslogFrame[] = [];
  const errors: string[] = [];
  const waiters: Array<() => void> = [];
  const add = (message: string): void => {
    try {
      frames.push(parseRfc5424(message));
    } catch (err) {
      errors.push((err as Error).message);
    }
    for (const w of waiters.splice(0)) w();
  };
  const waitFor = async (n: number, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (frames.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${frames.length} of ${n} syslog messages arrived`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };
  return { frames, errors, add, waitFor };
}

/** A UDP receiver on `port` (0: a free one). */
export async function listenUdp(port = 0): Promise<SyslogListener> {
  const c = collector();
  const socket = createSocket('udp4');
  socket.on('message', (buf) => c.add(buf.toString('utf8')));
  socket.bind(port, '127.0.0.1');
  await once(socket, 'listening');
  return {
    port: socket.address().port,
    frames: c.frames,
    errors: c.errors,
    waitFor: c.waitFor,
    dropConnections() {},
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Splits an octet-counted stream into messages, whatever the chunking. */
export class OctetCountingParser {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onMessage: (message: string) => void,
    private readonly onError: (error: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const sp = this.pending.indexOf(0x20);
      if (sp < 0) {
        if (this.pending.length > 10) this.fail();
        return;
      }
      const len = this.pending.subarray(0, sp).toString('latin1');
      if (!/^[1-9]\d{0,9}$/.test(len)) return this.fail();
      const end = sp + 1 + Number(len);
      if (this.pending.length < end) return;
      this.onMessage(this.pending.subarray(sp + 1, end).toString('utf8'));
      this.pending = this.pending.subarray(end);
    }
  }

  private fail(): void {
    this.onError(`bad octet-counting frame at ${JSON.stringify(this.pending.subarray(0, 40).toString('latin1'))}`);
    this.pending = Buffer.alloc(0);
  }
}

async function listenStream(server: Server, port: number, c: ReturnType<typeof collector>, connection: 'connection' | 'secureConnection'): Promise<SyslogListener> {
  const sockets = new Set<Socket>();
  server.on(connection, (socket: Socket) => {
    sockets.add(socket);
    const parser = new OctetCountingParser(c.add, (e) => c.errors.push(e));
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    frames: c.frames,
    errors: c.errors,
    waitFor: c.waitFor,
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP receiver on `port` (0: a free one; the port of a closed receiver to bring it back). */
export function listenTcp(port = 0): Promise<SyslogListener> {
  return listenStream(createTcpServer(), port, collector(), 'connection');
}

export function listenTls(cert: Buffer, key: Buffer): Promise<SyslogListener> {
  return listenStream(createTlsServer({ cert, key }), 0, collector(), 'secureConnection');
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A throw-away key and self-signed certificate for 127.0.0.1 (openssl), in `dir`. */
export function selfSignedCert(dir: string): { cert: Buffer; key: Buffer; certFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=sipsentry-test', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile };
}
