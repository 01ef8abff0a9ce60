import { readFileSync } from 'node:fs';
import { parseIp, to16 } from '../../decode/ip/ip-text.js';

/**
 * Address → country / ASN from range files in the CSV layout of the free DB-IP "lite" downloads
 * (`first,last,country` and `first,last,asn,organisation`; IPv4 and IPv6 in one file). Ranges are
 * held as 32-hex-digit keys (IPv4 mapped into ::ffff:0:0/96) so one sorted array and a binary
 * search serve both families.
 */
export class RangeTable {
  private readonly first: string[] = [];
  private readonly last: string[] = [];
  private readonly value: string[] = [];

  /** `column` = index of the value column (2 for country, 2 for ASN number). */
  static load(file: string, column = 2): RangeTable {
    const t = new RangeTable();
    const rows: Array<[string, string, string]> = [];
    const text = readFileSync(file, 'utf8');
    let line = 0;
    for (const raw of text.split('\n')) {
      line++;
      const l = raw.trim();
      if (l === '' || l.startsWith('#')) continue;
      const cols = l.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
      const a = ipKey(cols[0] ?? '');
      const b = ipKey(cols[1] ?? '');
      const v = cols[column];
      if (a === null || b === null || v === undefined || v === '') {
        if (line === 1) continue; // a header row
        throw new Error(`${file}:${line}: expected "first,last,value" with IP addresses`);
      }
      rows.push([a, b, v]);
    }
    rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    for (const [a, b, v] of rows) {
      t.first.push(a);
      t.last.push(b);
      t.value.push(v);
    }
    return t;
  }

  get size(): number {
    return this.first.length;
  }

  lookup(ip: string): string | null {
    const k = ipKey(ip);
    if (k === null) return null;
    let lo = 0;
    let hi = this.first.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.first[mid]! <= k) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && k <= this.last[found]! ? this.value[found]! : null;
  }
}

/** 32 lower-case hex digits of the 128-bit address (IPv4 as ::ffff:a.b.c.d), or null. */
export function ipKey(ip: string): string | null {
  const b = parseIp(ip);
  return b === null ? null : to16(b).toString('hex');
}
