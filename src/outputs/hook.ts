/**
 * Hooks for systems that act on detections: an SBC's API, BGP blackhole tooling, a ticketing
 * script. Each alert, ban and unban can be POSTed as JSON to a webhook and/or given to a command
 * on standard input (with SIPSENTRY_EVENT, SIPSENTRY_IP and SIPSENTRY_RULE in its environment;
 * never through a shell). Both sit behind bounded in-memory queues: `alert()` and `change()`
 * never wait, and what does not fit is dropped and counted. Nothing is persisted: a hook is a
 * notification, the blocklist and the outputs are the record.
 *
 * Webhook posts go one at a time, in order (a ban before its unban); a failed post (network error,
 * timeout, 408, 429, 5xx) is retried with back-off (0.5 s doubling), other answers are final.
 * Counters: `outputs.hook.dropped` (queue full, or still queued at shutdown),
 * `outputs.hook.webhook.sent`, `.errors` (failed attempts), `.retries`, `.failed` (given up);
 * `outputs.hook.exec.runs`, `.errors` (spawn failure, non-zero exit, timeout), `.timeouts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { duration } from '../config/units.js';
import type { BlockChange } from '../guard/blocklist/types.js';
import { LogThrottle } from './log-throttle.js';

export type HookEvent = 'alert' | 'ban' | 'unban';
const HOOK_EVENTS = ['alert', 'ban', 'unban'] as const;
const events = z.array(z.enum(HOOK_EVENTS)).min(1).default([...HOOK_EVENTS]);

export const hookSchema = z
  .strictObject({
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        /** Sent with every post (e.g. `Authorization`). */
        headers: z.record(z.string(), z.string()).default({}),
        /** Per attempt (seconds). */
        timeout: duration().default(5),
        events,
        /** Posts waiting; more are dropped. */
        queueSize: z.int().min(1).max(1_000_000).default(1000),
        /** Further attempts after a failed one. */
        retries: z.int().min(0).max(10).default(3),
      })
      .nullable()
      .default(null),
    exec: z
      .strictObject({
        /** Program and arguments, run directly (no shell). */
        command: z.array(z.string().min(1)).min(1),
        /** A run taking longer is terminated (seconds). */
        timeout: duration().default(10),
        maxConcurrent: z.int().min(1).max(64).default(2),
        events,
        queueSize: z.int().min(1).max(1_000_000).default(1000),
      })
      .nullable()
      .default(null),
  })
  .refine((o) => o.webhook !== null || o.exec !== null, { message: 'a hook needs `webhook`, `exec` or both' });

export type HookOptions = z.output<typeof hookSchema>;
type WebhookOptions = NonNullable<HookOptions['webhook']>;
type ExecOptions = NonNullable<HookOptions['exec']>;

export interface HookContext {
  counters: Counters;
  log: Log;
}

/** One notification: the JSON body and the values the exec environment carries. */
export interface HookMessage {
  type: HookEvent;
  ip: string | null;
  rule: string | null;
  json: string;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;
/** After the timeout's SIGTERM, a command still running gets this long before SIGKILL. */
const KILL_GRACE_MS = 1000;
const STDERR_KEEP = 1000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

function field(doc: Record<string, unknown>, group: string, key: string): string | null {
  const g = doc[group];
  const v = g !== null && typeof g === 'object' ? (g as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : null;
}

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** The message for an ECS alert document: the document with `type: 'alert'`. */
export function alertMessage(doc: Record<string, unknown>): HookMessage {
  return { type: 'alert', ip: field(doc, 'source', 'ip'), rule: field(doc, 'rule', 'name'), json: JSON.stringify({ type: 'alert', ...doc }) };
}

/** The message for a blocklist change: add and refresh are bans (`change` tells which), remove an unban. */
export function changeMessage(c: BlockChange): HookMessage {
  const e = c.entry;
  const type = c.type === 'remove' ? 'unban' : 'ban';
  const body: Record<string, unknown> = { type, ip: e.ip };
  if (c.type === 'remove') body.why = c.why;
  else body.change = c.type;
  Object.assign(body, {
    reason: e.reason,
    origin: e.origin,
    seq: e.seq,
    hits: e.hits,
    first_seen: iso(e.firstSeenMs),
    last_seen: iso(e.lastSeenMs),
    expires: iso(e.expiresMs),
  });
  return { type, ip: e.ip, rule: e.reason, json: JSON.stringify(body) };
}

/** Sends alerts and blocklist changes to the configured webhook and command. */
export class AlertHook {
  private readonly webhook: WebhookSender | null;
  private readonly exec: ExecRunner | null;
  private readonly stop = new AbortController();
  private closing: Promise<void> | null = null;

  constructor(
    opts: HookOptions,
    private readonly ctx: HookContext,
  ) {
    const throttle = new LogThrottle(ctx.log);
    this.webhook = opts.webhook === null ? null : new WebhookSender(opts.webhook, ctx, throttle, this.stop.signal);
    this.exec = opts.exec === null ? null : new ExecRunner(opts.exec, ctx, throttle);
  }

  /** An ECS alert document. Never waits. */
  alert(doc: Record<string, unknown>): void {
    if (this.wants('alert')) this.send(alertMessage(doc));
  }

  /** A blocklist change (subscribe with `blocklist.onChange(c => hook.change(c))`). Never waits. */
  change(c: BlockChange): void {
    if (this.wants(c.type === 'remove' ? 'unban' : 'ban')) this.send(changeMessage(c));
  }

  /** Delivers what is queued for at most timeoutMs, then abandons the rest (counted as dropped). Idempotent. */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private wants(type: HookEvent): boolean {
    return this.closing === null && ((this.webhook?.wants(type) ?? false) || (this.exec?.wants(type) ?? false));
  }

  private send(m: HookMessage): void {
    if (this.webhook?.wants(m.type)) this.webhook.push(m);
    if (this.exec?.wants(m.type)) this.exec.push(m);
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const idle = Promise.all([this.webhook?.idle(), this.exec?.idle()]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([idle, late]);
    clearTimeout(timer);
    if (drained) return;
    const left = (this.webhook?.abandon() ?? 0) + (this.exec?.abandon() ?? 0);
    this.stop.abort();
    if (left > 0) {
      this.ctx.counters.inc('outputs.hook.dropped', left);
      this.ctx.log.warn({ messages: left }, 'hook: not delivered at shutdown');
    }
    await idle;
  }
}

/** Settles the promises of callers waiting for a queue to empty. */
class IdleWaiters {
  private waiters: Array<() => void> = [];

  wait(idle: boolean): Promise<void> {
    return idle ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Posts messages one at a time, in order, with retries. */
class WebhookSender {
  private readonly queue: HookMessage[] = [];
  private sending = false;
  private readonly idleWaiters = new IdleWaiters();
  private readonly headers: Record<string, string>;

  constructor(
    private readonly o: WebhookOptions,
    private readonly ctx: HookContext,
    private readonly throttle: LogThrottle,
    private readonly stop: AbortSignal,
  ) {
    this.headers = { 'content-type': 'application/json', 'user-agent': 'sipsentry', ...o.headers };
  }

  wants(type: HookEvent): boolean {
    return this.o.events.includes(type);
  }

  push(m: HookMessage): void {
    if (this.queue.length >= this.o.queueSize) {
      this.ctx.counters.inc('outputs.hook.dropped');
      this.throttle.warn('webhook-full', { queued: this.queue.length, type: m.type }, 'hook: webhook queue full, message dropped');
      return;
    }
    this.queue.push(m);
    if (!this.sending) void this.loop();
  }

  idle(): Promise<void> {
    return this.idleWaiters.wait(!this.sending && this.queue.length === 0);
  }

  /** Messages that will not be delivered once the stop signal is raised: the loop then ends the post in flight and empties the queue. */
  abandon(): number {
    return this.queue.length;
  }

  private async loop(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0 && !this.stop.aborted) {
      await this.deliver(this.queue[0]!);
      this.queue.shift();
    }
    this.queue.length = 0;
    this.sending = false;
    this.idleWaiters.release();
  }

  private async deliver(m: HookMessage): Promise<void> {
    const c = this.ctx.counters;
    let waitMs = RETRY_MIN_MS;
    for (let attempt = 0; ; attempt++) {
      const err = await this.post(m);
      if (err === null) {
        c.inc('outputs.hook.webhook.sent');
        return;
      }
      if (this.stop.aborted) return;
      c.inc('outputs.hook.webhook.errors');
      const last = attempt >= this.o.retries || !err.retry;
      this.throttle.warn(
        'webhook',
        { url: this.o.url, type: m.type, err: err.message, attempt: attempt + 1, retryInMs: last ? null : waitMs },
        last ? 'hook: webhook post failed, message dropped' : 'hook: webhook post failed, retrying',
      );
      if (last) {
        c.inc('outputs.hook.webhook.failed');
        return;
      }
      await sleep(waitMs, undefined, { signal: this.stop }).catch(() => {});
      if (this.stop.aborted) return;
      c.inc('outputs.hook.webhook.retries');
      waitMs = Math.min(waitMs * 2, RETRY_MAX_MS);
    }
  }

  /** null on a 2xx answer; otherwise what went wrong and whether another attempt may help. */
  private async post(m: HookMessage): Promise<{ message: string; retry: boolean } | null> {
    // A timer we hold, not AbortSignal.timeout inside AbortSignal.any: Node 20 can collect such a
    // combined signal's timeout under GC pressure, and the post then hangs for ever.
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new DOMException(`no answer within ${this.o.timeout} s`, 'TimeoutError')), this.o.timeout * 1000);
    const onStop = (): void => ac.abort(this.stop.reason);
    this.stop.addEventListener('abort', onStop, { once: true });
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: this.headers,
        body: m.json,
        signal: ac.signal,
      });
      // The body is not needed, and a receiver's answer is not read however long it is.
      await res.body?.cancel().catch(() => {});
      if (res.ok) return null;
      const s = res.status;
      return { message: `HTTP ${s}`, retry: s === 408 || s === 429 || s >= 500 };
    } catch (err) {
      const e = err as Error;
      const message = e.name === 'TimeoutError' ? `no answer within ${this.o.timeout} s` : e.message + (e.cause instanceof Error ? `: ${e.cause.message}` : '');
      return { message, retry: true };
    } finally {
      clearTimeout(timer);
      this.stop.removeEventListener('abort', onStop);
    }
  }
}

/** Runs the command for each message, at most maxConcurrent at once, in arrival order. */
class ExecRunner {
  private readonly queue: HookMessage[] = [];
  private readonly children = new Set<ChildProcess>();
  private running = 0;
  private readonly idleWaiters = new IdleWaiters();

  constructor(
    private readonly o: ExecOptions,
    private readonly ctx: HookContext,
    private readonly throttle: LogThrottle,
  ) {}

  wants(type: HookEvent): boolean {
    return this.o.events.includes(type);
  }

  push(m: HookMessage): void {
    if (this.queue.length >= this.o.queueSize) {
      this.ctx.counters.inc('outputs.hook.dropped');
      this.throttle.warn('exec-full', { queued: this.queue.length, type: m.type }, 'hook: command queue full, message dropped');
      return;
    }
    this.queue.push(m);
    this.pump();
  }

  idle(): Promise<void> {
    return this.idleWaiters.wait(this.running === 0 && this.queue.length === 0);
  }

  /** Empties the queue and kills the commands running. Returns the messages dropped. */
  abandon(): number {
    const n = this.queue.length;
    this.queue.length = 0;
    for (const child of this.children) killGroup(child, 'SIGKILL');
    return n;
  }

  private pump(): void {
    while (this.running < this.o.maxConcurrent && this.queue.length > 0) {
      const m = this.queue.shift()!;
      this.running++;
      void this.run(m).then(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) this.idleWaiters.release();
      });
    }
  }

  private run(m: HookMessage): Promise<void> {
    const c = this.ctx.counters;
    const cmd = this.o.command;
    c.inc('outputs.hook.exec.runs');
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        // Its own process group, so that a timeout also ends what the command started (a shell script's children).
        child = spawn(cmd[0]!, cmd.slice(1), {
          stdio: ['pipe', 'ignore', 'pipe'],
          detached: true,
          env: { ...process.env, SIPSENTRY_EVENT: m.type, SIPSENTRY_IP: m.ip ?? '', SIPSENTRY_RULE: m.rule ?? '' },
        });
      } catch (err) {
        // Refused before starting (a NUL byte in a value from the document).
        this.failed(m, `${cmd[0]}: ${(err as Error).message}`, '');
        resolve();
        return;
      }
      this.children.add(child);
      let stderr = '';
      let timedOut = false;
      let kill: NodeJS.Timeout | undefined;
      const term = setTimeout(() => {
        timedOut = true;
        c.inc('outputs.hook.exec.timeouts');
        killGroup(child, 'SIGTERM');
        kill = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
      }, this.o.timeout * 1000);
      let done = false;
      const finish = (err: string | null) => {
        if (done) return;
        done = true;
        clearTimeout(term);
        clearTimeout(kill);
        this.children.delete(child);
        if (err !== null) this.failed(m, err, stderr);
        resolve();
      };
      child.on('error', (err) => finish(`${cmd[0]}: ${err.message}`));
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => {
        if (stderr.length < STDERR_KEEP) stderr += s.slice(0, STDERR_KEEP - stderr.length);
      });
      child.on('close', (code, signal) => {
        if (timedOut) finish(`no exit within ${this.o.timeout} s, killed`);
        else finish(code === 0 ? null : `exited with ${code ?? signal}`);
      });
      // A command that does not read its input closes the pipe early; its exit status is what counts.
      child.stdin!.on('error', () => {});
      child.stdin!.end(m.json + '\n');
    });
  }

  private failed(m: HookMessage, err: string, stderr: string): void {
    this.ctx.counters.inc('outputs.hook.exec.errors');
    const fields = { command: this.o.command[0], type: m.type, ip: m.ip, err, stderr: stderr.trim() || undefined };
    this.throttle.warn('exec', fields, 'hook: command failed');
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
