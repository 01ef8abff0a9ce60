import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export const CLI = join(REPO_ROOT, 'bin', 'sipsentry.js');
export const TOKEN = 'views-test-token-0123456789';

export interface StayServer {
  base: string;
  dir: string;
  child: ChildProcess;
  /** GET (or another method) on the API, with the token when `auth` is set. */
  api(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * `sipsentry run -f CAPTURE --stay` on a free port with an SQLite store and an API token: the
 * probe reads the capture, settles, and keeps serving its HTTP API and web UI until stopped.
 * Resolves once the files are read (the `--stay` log line).
 */
export async function startStayServer(capture: string, extra: string[] = []): Promise<StayServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-views-'));
  const child = spawn(
    process.execPath,
    [CLI, 'run', '-f', capture, '--stay', '--http', '127.0.0.1:0', '-o', `sqlite:${join(dir, 'events.db')}`, '-E', `http.token=${TOKEN}`,
      '-E', `blocklist.path=${join(dir, 'blocklist.db')}`, '--log-level', 'info', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    let found = 0;
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const line of stderr.split('\n')) {
        if (line.includes('"HTTP API listening"')) found = (JSON.parse(line) as { port: number }).port;
        if (line.includes('--stay') && found > 0) resolve(found);
      }
    });
    child.on('exit', (code) => reject(new Error(`sipsentry run exited with ${code}:\n${stderr}`)));
    setTimeout(() => reject(new Error(`sipsentry run did not come up:\n${stderr}`)), 30_000).unref();
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    dir,
    child,
    api: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.auth === true) headers.set('authorization', `Bearer ${TOKEN}`);
      return fetch(base + path, { ...init, headers });
    },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` returns a value other than undefined (the store fills a moment after the files are read). */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
