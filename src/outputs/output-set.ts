import { Delivery, type CloseOptions, type SpoolOptions } from './delivery.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';

/** One configured output: its kind, its validated options and its spool options. */
export interface OutputSpec {
  kind: OutputKind;
  /** The kind's schema output (already validated). */
  options: unknown;
  spool: SpoolOptions;
}

interface Entry {
  /** Kind, options and spool as JSON: an unchanged entry survives a reload untouched. */
  identity: string;
  delivery: Delivery | null;
  /** Records pushed while this entry's previous delivery is being closed for a reload. */
  parked: OutputRecord[];
}

/** An output built from its spec, not opened yet (create() only builds objects; open() does the work). */
interface Planned {
  identity: string;
  output: Output;
  spool: SpoolOptions;
}

/**
 * Every record goes to every output, each through its own Delivery, so a slow or failing output
 * never holds the others back. reload() applies a new configuration: unchanged outputs keep running,
 * removed ones are closed (their spools persisted), changed ones are closed and started again on the
 * same spool directory, which resumes what the old instance left.
 */
export class OutputSet {
  private entries = new Map<string, Entry>();
  /** Reloads and close run one after the other: each sees the set the previous one left. */
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: OutputContext,
    specs: readonly OutputSpec[] = [],
  ) {
    for (const [name, p] of this.plan(specs)) this.entries.set(name, { identity: p.identity, delivery: this.start(p), parked: [] });
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  push(rec: OutputRecord): void {
    for (const e of this.entries.values()) {
      if (e.delivery !== null) e.delivery.push(rec);
      else e.parked.push(rec);
    }
  }

  /** The deliveries' gauges (`output.<name>.spooled`, …) merged. */
  gauges(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries.values()) if (e.delivery !== null) Object.assign(out, e.delivery.gauges());
    return out;
  }

  /** SIGHUP: outputs writing files reopen them. */
  async reopen(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.delivery?.reopen()));
  }

  /**
   * Brings the set to specs (validated before anything changes: a bad spec throws and the set stays
   * as it was). Records pushed meanwhile reach every output that stays or starts.
   */
  reload(specs: readonly OutputSpec[], opts: CloseOptions = {}): Promise<void> {
    const next = this.plan(specs);
    return this.serial(() => this.apply(next, opts));
  }

  /** Drains every output (within opts.timeoutMs) and persists what is left. */
  close(opts: CloseOptions = {}): Promise<void> {
    return this.serial(async () => {
      const all = [...this.entries.values()];
      this.entries = new Map();
      await Promise.all(all.map((e) => e.delivery?.close(opts)));
    });
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.busy.then(step);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async apply(next: Map<string, Planned>, opts: CloseOptions): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [name, e] of this.entries) {
      const p = next.get(name);
      if (p !== undefined && p.identity === e.identity) continue;
      const old = e.delivery!;
      if (p === undefined) {
        this.entries.delete(name);
        closing.push(old.close(opts));
        continue;
      }
      // Same name, new settings: park records until the old instance has released the spool directory.
      e.delivery = null;
      e.identity = p.identity;
      closing.push(
        old.close(opts).then(() => {
          const d = this.start(p);
          for (const r of e.parked) d.push(r);
          e.parked = [];
          e.delivery = d;
        }),
      );
    }
    for (const [name, p] of next) {
      if (!this.entries.has(name)) this.entries.set(name, { identity: p.identity, delivery: this.start(p), parked: [] });
    }
    await Promise.all(closing);
  }

  private plan(specs: readonly OutputSpec[]): Map<string, Planned> {
    const out = new Map<string, Planned>();
    for (const s of specs) {
      const output = s.kind.create(s.options, this.ctx);
      if (out.has(output.name)) throw new Error(`two outputs are named "${output.name}": give each its own name`);
      out.set(output.name, { identity: JSON.stringify([s.kind.kind, s.options, s.spool]), output, spool: s.spool });
    }
    return out;
  }

  private start(p: Planned): Delivery {
    return new Delivery(p.output, p.spool, this.ctx);
  }
}
