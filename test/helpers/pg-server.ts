/**
 * A private PostgreSQL cluster for a test run: initdb into a temporary folder, trust
 * authentication, listening on 127.0.0.1 at a free port and on a unix socket in that folder.
 * initdb refuses to run as root (CI runs tests as root), so the cluster then belongs to the
 * `postgres` system user and every server command runs through `runuser -u postgres --`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** The newest installed server binaries (Debian's layout), or PG_BIN. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries found (set PG_BIN)');
  return join(base, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

export function hasPostgres(): boolean {
  try {
    binDir();
    return true;
  } catch {
    return false;
  }
}

export interface PgServer {
  readonly port: number;
  /** Connection string over TCP as the superuser `postgres`. */
  readonly url: string;
  /** Folder of the unix socket. */
  readonly socketDir: string;
  /** Creates a login role that must authenticate with this password over TCP (scram-sha-256). */
  addPasswordRole(role: string, password: string): Promise<void>;
  /** Starts the (stopped) server again on the same port. */
  start(): Promise<void>;
  /** Fast shutdown: open sessions are terminated, as on a server restart. */
  stop(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
}

export interface PgServerOptions {
  /** fsync off: much faster, and a test never crashes the host. Benchmarks keep the default (on). */
  fsync?: boolean;
}

export async function startPgServer(options: PgServerOptions = {}): Promise<PgServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const asOwner = async (cmd: string, args: string[]): Promise<void> => {
    const file = join(bin, cmd);
    await (asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args));
  };
  const data = join(dir, 'data');
  await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const settings = [`-c listen_addresses=127.0.0.1`, `-p ${port}`, `-k ${dir}`, `-c fsync=${options.fsync === false ? 'off' : 'on'}`];
  const start = (): Promise<void> => asOwner('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', settings.join(' ')]);
  const stop = (): Promise<void> => asOwner('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    socketDir: dir,
    async addPasswordRole(role, password) {
      const hba = join(data, 'pg_hba.conf');
      // First match wins: this line goes before initdb's trust lines.
      writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n` + readFileSync(hba, 'utf8'));
      const c = new pg.Client(url);
      await c.connect();
      try {
        await c.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password.replace(/'/g, "''")}'`);
        await c.query('SELECT pg_reload_conf()');
      } finally {
        await c.end();
      }
    },
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
