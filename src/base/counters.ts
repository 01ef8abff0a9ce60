/**
 * Named counters shared by every stage. A counter name is stable (`decode.ipv4.fragments`,
 * `sip.junk_before_request`, `track.dialog_table_full`): it is part of the stats contract.
 * A Map keyed by name keeps it allocation-free after the first increment of each name.
 */
export class Counters {
  private readonly values = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  /** Sets a gauge (table sizes and the like). */
  set(name: string, value: number): void {
    this.values.set(name, value);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** Sorted plain-object copy, for stats events and tests. */
  snapshot(prefix = ''): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.values.keys()].sort()) {
      if (k.startsWith(prefix)) out[k] = this.values.get(k)!;
    }
    return out;
  }
}
