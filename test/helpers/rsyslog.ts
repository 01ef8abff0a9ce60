/**
 * A real rsyslogd for tests, with a configuration of its own: imudp and imtcp on free loopback
 * ports, every message written by omfile as one tab-separated line of the RFC 5424 fields rsyslog
 * parsed (PRI, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, STRUCTURED-DATA, MSG).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export function hasRsyslog(): boolean {
  try {
    execFileSync('rsyslogd', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RsyslogFields {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

export interface Rsyslog {
  readonly udpPort: number;
  readonly tcpPort: number;
  /** The messages written so far. */
  received(): RsyslogFields[];
  /** Resolves once `n` messages are in the file (fails after `timeoutMs`: a hang guard). */
  waitFor(n: number, timeoutMs?: number): Promise<RsyslogFields[]>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startRsyslog(): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-rsyslog-'));
  const [udpPort, tcpPort] = [await freePort(), await freePort()];
  const out = join(dir, 'messages.tsv');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="${udpPort}")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
template(name="fields" type="string" string="%pri%\\t%timereported:::date-rfc3339%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%\\t%structured-data%\\t%msg%\\n")
*.* action(type="omfile" file="${out}" template="fields")
`,
  );
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  // Ready once the TCP input accepts connections (inputs start together, after the configuration is loaded).
  for (let i = 0; !(await canConnect(tcpPort)); i++) {
    if (child.exitCode !== null || i > 200) {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`rsyslogd did not start: ${stderr}`);
    }
    await sleep(50);
  }

  const received = (): RsyslogFields[] => {
    if (!existsSync(out)) return [];
    return readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const f = l.split('\t');
        return { pri: Number(f[0]), timestamp: f[1]!, hostname: f[2]!, appName: f[3]!, procId: f[4]!, msgId: f[5]!, structuredData: f[6]!, msg: f.slice(7).join('\t') };
      });
  };
  return {
    udpPort,
    tcpPort,
    received,
    async waitFor(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = received();
        if (got.length >= n) return got;
        if (Date.now() > deadline) throw new Error(`rsyslogd wrote ${got.length} of ${n} messages`);
        await sleep(50);
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
