import { z } from 'zod';

/**
 * Operators write `5m`, `7d` or `100MiB` more readily than 300 or 104857600: durations and sizes
 * accept a number (seconds, bytes) or a number with a unit, and always come out as numbers.
 */
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

function withUnit(text: string, units: Record<string, number>): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (m === null) return null;
  const factor = m[2] === '' ? 1 : units[m[2]!.toLowerCase()];
  return factor === undefined ? null : Number(m[1]) * factor;
}

/** Seconds: `300`, `300s`, `5m`, `1.5h`, `7d`, `250ms`. */
export function duration() {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : withUnit(v, DURATION_UNITS);
    if (n === null || !Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 30, 30s, 5m, 2h or 7d, not ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Bytes: `1048576`, `64KiB`, `100MiB`, `1GB`. */
export function byteSize() {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : withUnit(v, SIZE_UNITS);
    if (n === null || !Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as 65536, 64KiB, 100MiB or 1GiB, not ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return Math.floor(n);
  });
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (all addresses), validated and split; port 0 (any free port) only when `anyPort`. */
export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(text: string, defaultHost = '0.0.0.0', anyPort = false): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535 || (port === 0 && !anyPort)) return null;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? defaultHost : host, port };
}

export function hostPort(defaultHost = '0.0.0.0', anyPort = false) {
  return z.string().transform((v, ctx) => {
    const hp = parseHostPort(v, defaultHost, anyPort);
    if (hp === null) {
      ctx.addIssue({ code: 'custom', message: `expected HOST:PORT (e.g. 127.0.0.1:9060, [::1]:9060 or :9060), not ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return hp;
  });
}
