/**
 * Firewall enforcement: keeps two nftables sets (IPv4, IPv6) equal to the active blocklist, or
 * rewrites a file that an operator loads with `nft -f` or `ipset restore`.
 *
 * Every element carries a kernel timeout (its remaining ban time, at least `minTimeout`), so the
 * firewall forgets a ban on its own if the probe dies; while it runs, the blocklist's `remove`
 * changes delete elements when the ban ends. Changes are coalesced for `batchMs` and applied as
 * one `nft -f -` script, which nft commits as one transaction: a failing run changes nothing, and
 * the sync falls back to a full resync with back-off (0.5 s doubling to 30 s).
 *
 * Counters: `outputs.nftables.applied` (scripts or files applied), `.elements_added`,
 * `.elements_removed`, `.errors` (failed runs or writes), `.skipped` (addresses of a family the
 * table does not hold, or not addresses at all).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { duration } from '../config/units.js';
import { formatIpv4, formatIpv6 } from '../decode/ip/address.js';
import type { BlockChange, BlocklistApi, BlockEntry } from '../guard/blocklist/types.js';
import { parseIp } from '../decode/ip/ip-text.js';
import { LogThrottle } from './log-throttle.js';

/** Table and set names: safe inside an nft script unquoted, and short enough for ipset (31 bytes with the `_tmp` suffix). */
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,26}$/, 'a letter or "_", then letters, digits or "_" (at most 27)');

export const nftablesSchema = z
  .strictObject({
    /** `set`: apply changes to the kernel's sets; `file`: rewrite `file` on every change. */
    mode: z.enum(['set', 'file']).default('set'),
    /** `ip` holds only set4, `ip6` only set6; addresses of the other family are skipped (counted). */
    family: z.enum(['inet', 'ip', 'ip6', 'bridge']).default('inet'),
    table: name.default('sipsentry'),
    set4: name.default('blocklist4'),
    set6: name.default('blocklist6'),
    /** Owns the table: every full resync replaces it (sets with `flags timeout`, a drop chain per hook). */
    createTable: z.boolean().default(true),
    /** Hooks that get a drop chain when createTable is on. */
    hooks: z.array(z.enum(['input', 'forward'])).min(1).default(['input', 'forward']),
    /** Mode file: the file rewritten (atomically) on each change. */
    file: z.string().min(1).nullable().default(null),
    /** Mode file: an `nft -f` script or an `ipset restore` file. */
    format: z.enum(['nft', 'ipset']).default('nft'),
    /** Logs the script or file content instead of applying it. */
    dryRun: z.boolean().default(false),
    /** The nft program and its leading arguments (e.g. `['ip', 'netns', 'exec', 'fw', 'nft']`); `-f -` is appended. */
    command: z.array(z.string().min(1)).min(1).default(['nft']),
    /** Changes within this many milliseconds go into one run. */
    batchMs: z.number().min(0).max(60_000).default(200),
    /** Shortest kernel timeout given to an element (seconds). */
    minTimeout: duration().default(60),
  })
  .refine((o) => o.mode !== 'file' || o.file !== null, { message: 'mode file needs `file`', path: ['file'] });

export type NftablesOptions = z.output<typeof nftablesSchema>;

export interface NftContext {
  counters: Counters;
  log: Log;
}

/** A canonical address and the set family it belongs to. */
export interface SetAddress {
  v: 4 | 6;
  addr: string;
}

/** RFC 5952 / dotted text of an address, IPv4-mapped IPv6 as IPv4; null for anything else (nothing unchecked reaches a script). */
export function setAddress(ip: string): SetAddress | null {
  const b = parseIp(ip);
  if (b === null) return null;
  if (b.length === 4) return { v: 4, addr: formatIpv4(b, 0) };
  const mapped = b.readUInt32BE(0) === 0 && b.readUInt32BE(4) === 0 && b.readUInt32BE(8) === 0xffff;
  return mapped ? { v: 4, addr: formatIpv4(b, 12) } : { v: 6, addr: formatIpv6(b, 0) };
}

/** An element to write: its kernel timeout in seconds, or null for a ban without end. */
export interface SetElement extends SetAddress {
  timeoutS: number | null;
}

/** Caps: nft accepts far more, but a year is past any sensible ban; ipset stores seconds in 31 bits of milliseconds. */
const MAX_NFT_TIMEOUT_S = 365 * 86_400;
const MAX_IPSET_TIMEOUT_S = 2_147_483;
/** Elements per `add element` line: keeps lines readable and error positions useful. */
const CHUNK = 500;
/** Ahead of the usual filter chains (priority 0), so banned traffic costs nothing further. */
const CHAIN_PRIORITY = -10;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;
/** An nft run that takes longer is killed and counts as failed. */
const RUN_TIMEOUT_MS = 30_000;
const STDERR_KEEP = 2000;

/** The timeout for an entry seen at nowMs: what is left of the ban, at least minTimeoutS. */
export function timeoutFor(expiresMs: number, nowMs: number, minTimeoutS: number): number | null {
  if (!Number.isFinite(expiresMs)) return null;
  return Math.max(Math.ceil(minTimeoutS), Math.ceil((expiresMs - nowMs) / 1000));
}

/** nft and ipset spellings of one sync's table and sets. */
export class SetScripts {
  constructor(private readonly o: NftablesOptions) {}

  /** Whether the table holds a set of this family. */
  holds(v: 4 | 6): boolean {
    const f = this.o.family;
    return f === 'inet' || f === 'bridge' || (v === 4 ? f === 'ip' : f === 'ip6');
  }

  /**
   * The whole state as one nft transaction. With createTable the table is added (so that the
   * delete cannot fail), deleted and declared again: nothing stale survives, not even chains of
   * hooks no longer configured, and packets never see a moment without the drop rules.
   */
  nftFull(elements: readonly SetElement[]): string {
    const { family, table } = this.o;
    const out: string[] = [];
    const sets = ([4, 6] as const).filter((v) => this.holds(v));
    if (this.o.createTable) {
      out.push(`add table ${family} ${table}`, `delete table ${family} ${table}`, `table ${family} ${table} {`);
      for (const v of sets) out.push(`  set ${this.setName(v)} { type ${v === 4 ? 'ipv4_addr' : 'ipv6_addr'}; flags timeout; }`);
      for (const hook of this.o.hooks) {
        out.push(`  chain ${hook} {`, `    type filter hook ${hook} priority ${CHAIN_PRIORITY}; policy accept;`);
        for (const v of sets) out.push(`    ${v === 4 ? 'ip' : 'ip6'} saddr @${this.setName(v)} counter drop`);
        out.push('  }');
      }
      out.push('}');
    } else {
      for (const v of sets) out.push(`flush set ${this.ref(v)}`);
    }
    for (const v of sets) this.elementLines(out, 'add', v, elements.filter((e) => e.v === v), true);
    return out.join('\n') + '\n';
  }

  /**
   * Incremental changes as one nft transaction. nft 1.0 and kernels before 6.10 leave the timeout
   * of an existing element unchanged on `add element`, and `delete element` of a missing element
   * fails the whole transaction (`destroy element` only came with nft 1.0.8). So every change first
   * adds the bare element (a no-op when present), then deletes it (now it always exists), and an
   * add or refresh adds it back with its new timeout. Each change is then correct whatever the
   * kernel held for that element, and never fails because of it.
   */
  nftChanges(adds: readonly SetElement[], removes: readonly SetAddress[]): string {
    const out: string[] = [];
    for (const v of [4, 6] as const) {
      if (!this.holds(v)) continue;
      const a = adds.filter((e) => e.v === v);
      const touched = [...a, ...removes.filter((e) => e.v === v)];
      this.elementLines(out, 'add', v, touched, false);
      this.elementLines(out, 'delete', v, touched, false);
      this.elementLines(out, 'add', v, a, true);
    }
    return out.join('\n') + (out.length > 0 ? '\n' : '');
  }

  /**
   * The whole state as an `ipset restore` file. Each set is filled under a temporary name and
   * swapped in, so iptables rules referencing it never see it half filled. Timeout 0 means
   * permanent; the sets are created with timeout support.
   */
  ipsetFull(elements: readonly SetElement[]): string {
    const out: string[] = [];
    for (const v of [4, 6] as const) {
      const set = this.setName(v);
      const tmp = set + '_tmp';
      const create = `hash:ip family ${v === 4 ? 'inet' : 'inet6'} timeout 0 maxelem 1048576 -exist`;
      out.push(`create ${set} ${create}`, `create ${tmp} ${create}`, `flush ${tmp}`);
      for (const e of elements) {
        if (e.v === v) out.push(`add ${tmp} ${e.addr} timeout ${e.timeoutS === null ? 0 : Math.min(e.timeoutS, MAX_IPSET_TIMEOUT_S)} -exist`);
      }
      out.push(`swap ${tmp} ${set}`, `destroy ${tmp}`);
    }
    return out.join('\n') + '\n';
  }

  private setName(v: 4 | 6): string {
    return v === 4 ? this.o.set4 : this.o.set6;
  }

  private ref(v: 4 | 6): string {
    return `${this.o.family} ${this.o.table} ${this.setName(v)}`;
  }

  private elementLines(out: string[], verb: 'add' | 'delete', v: 4 | 6, elements: readonly SetAddress[], timeouts: boolean): void {
    for (let i = 0; i < elements.length; i += CHUNK) {
      const items = elements.slice(i, i + CHUNK).map((e) => {
        const t = timeouts ? (e as SetElement).timeoutS : null;
        return t === null ? e.addr : `${e.addr} timeout ${Math.min(t, MAX_NFT_TIMEOUT_S)}s`;
      });
      out.push(`${verb} element ${this.ref(v)} { ${items.join(', ')} }`);
    }
  }
}

type Pending = { op: 'add'; el: SetElement } | { op: 'remove'; el: SetAddress };

interface Work {
  full: boolean;
  text: string;
  added: number;
  removed: number;
}

/**
 * Keeps the firewall equal to a blocklist. `start()` resyncs in full and follows the list's
 * changes; `resync()` (SIGHUP) rebuilds everything; `flush()` applies what waits without waiting
 * for the batch; `close()` stops following and applies what is left once. One run at a time.
 */
export class NftSync {
  private readonly scripts: SetScripts;
  private readonly throttle: LogThrottle;
  private readonly minTimeoutS: number;
  private blocklist: BlocklistApi | null = null;
  private unsubscribe: (() => void) | null = null;
  private pending = new Map<string, Pending>();
  private full = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** 0 while healthy; otherwise the wait before the next attempt. */
  private backoffMs = 0;
  private failures = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Latest probe time learned (start, resync, sightings) and the wall time it was learned at. */
  private probeMs = -Infinity;
  private learnedAt = 0;

  constructor(
    private readonly opts: NftablesOptions,
    private readonly ctx: NftContext,
  ) {
    this.scripts = new SetScripts(opts);
    this.throttle = new LogThrottle(ctx.log);
    this.minTimeoutS = opts.minTimeout;
  }

  /** Follows the blocklist; resolves after the first full resync was tried (false: it failed and is being retried). */
  start(blocklist: BlocklistApi, nowMs: number): Promise<boolean> {
    if (this.blocklist !== null) throw new Error('NftSync already started');
    this.blocklist = blocklist;
    this.unsubscribe = blocklist.onChange((c) => this.change(c));
    return this.resync(nowMs);
  }

  /** Rebuilds the sets (or file) from the active entries; resolves false when that failed (it is retried). */
  resync(nowMs: number): Promise<boolean> {
    if (this.blocklist === null) throw new Error('NftSync.resync() before start()');
    this.learn(nowMs);
    this.full = true;
    return this.flush();
  }

  /** Applies waiting changes now; false when that failed (it is retried with back-off). */
  async flush(): Promise<boolean> {
    for (;;) {
      this.cancelTimer();
      if (this.running !== null) {
        await this.running;
        continue;
      }
      if (!this.full && this.pending.size === 0) return this.backoffMs === 0;
      return this.runNow();
    }
  }

  /** Stops following the blocklist and applies what waits (one attempt). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.unsubscribe?.();
      this.unsubscribe = null;
      const ok = await this.flush();
      this.cancelTimer();
      if (!ok) this.ctx.log.warn({ table: this.opts.table }, 'nftables: closed with changes not applied');
    })();
    return this.closing;
  }

  private change(c: BlockChange): void {
    if (this.closed) return;
    const a = setAddress(c.entry.ip);
    if (a === null || !this.scripts.holds(a.v)) {
      this.ctx.counters.inc('outputs.nftables.skipped');
      return;
    }
    if (c.type === 'remove') {
      if (c.why === 'expired') this.learn(c.entry.expiresMs);
      this.pending.set(a.addr, { op: 'remove', el: a });
    } else {
      this.learn(c.entry.lastSeenMs);
      const now = Math.max(c.entry.lastSeenMs, this.probeMs);
      this.pending.set(a.addr, { op: 'add', el: { ...a, timeoutS: timeoutFor(c.entry.expiresMs, now, this.minTimeoutS) } });
    }
    // A file is always written whole.
    if (this.opts.mode === 'file') this.full = true;
    this.schedule();
  }

  private learn(ms: number): void {
    if (Number.isFinite(ms) && ms >= this.probeMs) {
      this.probeMs = ms;
      this.learnedAt = Date.now();
    }
  }

  /** The probe clock: the latest time learned, moved on by the wall time since (retries run between events). */
  private now(): number {
    return this.probeMs + (Date.now() - this.learnedAt);
  }

  private schedule(): void {
    if (this.closed || this.running !== null || this.timer !== null) return;
    if (!this.full && this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runNow();
    }, this.backoffMs > 0 ? this.backoffMs : this.opts.batchMs);
  }

  private cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private runNow(): Promise<boolean> {
    const p = this.attempt().then((ok) => {
      this.running = null;
      this.schedule();
      return ok;
    });
    this.running = p.then(() => undefined);
    return p;
  }

  private async attempt(): Promise<boolean> {
    const work = this.take();
    if (work.text === '') return true;
    const err = await this.apply(work.text);
    const c = this.ctx.counters;
    if (err === null) {
      if (!this.opts.dryRun) {
        c.inc('outputs.nftables.applied');
        c.inc('outputs.nftables.elements_added', work.added);
        c.inc('outputs.nftables.elements_removed', work.removed);
      }
      if (this.failures > 0) this.ctx.log.info({ table: this.opts.table, failures: this.failures }, 'nftables: sync recovered');
      this.failures = 0;
      this.backoffMs = 0;
      return true;
    }
    c.inc('outputs.nftables.errors');
    this.failures++;
    // What this run carried is lost with it; a full resync restores everything, whatever the kernel holds now.
    this.full = true;
    this.backoffMs = this.backoffMs === 0 ? RETRY_MIN_MS : Math.min(this.backoffMs * 2, RETRY_MAX_MS);
    this.throttle.warn(
      'apply',
      { table: this.opts.table, mode: this.opts.mode, full: work.full, err, failures: this.failures, retryInMs: this.backoffMs },
      'nftables: sync failed, retrying with a full resync',
    );
    return false;
  }

  /** Turns what waits into one script, and clears it. */
  private take(): Work {
    if (this.full) {
      this.full = false;
      this.pending.clear();
      const elements = this.activeElements(this.now());
      const text = this.opts.mode === 'file' && this.opts.format === 'ipset' ? this.scripts.ipsetFull(elements) : this.scripts.nftFull(elements);
      return { full: true, text, added: elements.length, removed: 0 };
    }
    const adds: SetElement[] = [];
    const removes: SetAddress[] = [];
    for (const p of this.pending.values()) {
      if (p.op === 'add') adds.push(p.el);
      else removes.push(p.el);
    }
    this.pending.clear();
    return { full: false, text: this.scripts.nftChanges(adds, removes), added: adds.length, removed: removes.length };
  }

  private activeElements(nowMs: number): SetElement[] {
    const byAddr = new Map<string, SetElement>();
    for (const e of this.blocklist!.active(nowMs)) {
      const el = this.element(e, nowMs);
      if (el !== null) byAddr.set(el.addr, el);
    }
    return [...byAddr.values()];
  }

  private element(e: BlockEntry, nowMs: number): SetElement | null {
    const a = setAddress(e.ip);
    if (a === null || !this.scripts.holds(a.v)) {
      this.ctx.counters.inc('outputs.nftables.skipped');
      return null;
    }
    return { ...a, timeoutS: timeoutFor(e.expiresMs, nowMs, this.minTimeoutS) };
  }

  /** Applies a script or writes the file; the error text, or null on success. */
  private async apply(text: string): Promise<string | null> {
    const o = this.opts;
    if (o.dryRun) {
      this.ctx.log.info({ mode: o.mode, file: o.file, format: o.mode === 'file' ? o.format : 'nft', content: text }, 'nftables: dry run, nothing applied');
      return null;
    }
    return o.mode === 'file' ? writeAtomically(o.file!, text) : runNft(o.command, text);
  }
}

/** Runs `command -f -` with the script on stdin, never through a shell; the error text, or null on exit 0. */
function runNft(command: readonly string[], script: string): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    let stderr = '';
    const finish = (err: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(err);
    };
    let child: ChildProcess;
    try {
      child = spawn(command[0]!, [...command.slice(1), '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (err) {
      resolve(`${command[0]}: ${(err as Error).message}`);
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(`${command[0]} did not finish within ${RUN_TIMEOUT_MS} ms`);
    }, RUN_TIMEOUT_MS);
    child.on('error', (err) => finish(`${command[0]}: ${err.message}`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < STDERR_KEEP) stderr += s.slice(0, STDERR_KEEP - stderr.length);
    });
    child.on('close', (code, signal) => {
      if (code === 0) finish(null);
      else finish(`${command[0]} exited with ${code ?? signal}${stderr.trim() === '' ? '' : ': ' + stderr.trim()}`);
    });
    // A command that exits without reading (a wrong binary) closes the pipe: its exit status tells.
    child.stdin!.on('error', () => {});
    child.stdin!.end(script);
  });
}

/** Replaces the file in one rename, so a reader never sees half of it; the error text, or null. */
async function writeAtomically(path: string, text: string): Promise<string | null> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
    return null;
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    return `${path}: ${(err as Error).message}`;
  }
}
