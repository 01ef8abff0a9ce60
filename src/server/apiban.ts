import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseIp } from '../guard/blocklist/cidr.js';
import { MIN_SEQ } from '../guard/blocklist/blocklist.js';
import type { BlocklistApi } from '../guard/blocklist/types.js';

/**
 * The blocklist as an APIBAN server, so the existing clients (palner's iptables client, the
 * nftables client on apiban/golib, the Kamailio and OpenSIPS examples, pfSense URL tables) can
 * feed firewalls from this probe. Bodies, status codes and the cursor follow apiban.org: v1 with
 * the key in the path, v2 with a bearer key and JSON bodies, and the plain list for firewalls.
 */

export interface ApibanRate {
  requests: number;
  perS: number;
}

export interface ApibanOptions {
  blocklist: BlocklistApi;
  /** Accepted API keys; none = every request is refused. */
  keys: string[];
  /** Per key (token bucket); apiban.org allows 11 requests per 2 minutes. */
  rate?: ApibanRate;
  /** Milliseconds on the probe's clock. */
  now: () => number;
}

export const DEFAULT_APIBAN_RATE: ApibanRate = { requests: 11, perS: 120 };

/** Addresses per `banned` reply: the OpenSIPS example stops at the first shorter batch. */
export const APIBAN_BATCH = 250;

// `ipaddress` is an array in list replies and a string in errors, as apiban.org sends them.
const NO_NEW_BANS = { ipaddress: ['no new bans'], ID: 'none' };
const NOT_BLOCKED = { ipaddress: ['not blocked'], ID: 'none' };
const UNAUTHORIZED = { ipaddress: 'none', ID: 'unauthorized' };
const RATE_LIMITED = { ipaddress: 'rate limit exceeded', ID: 'unauthorized' };
const MALFORMED = {};

const ROUTES: ReadonlySet<string> = new Set([
  '/api/:key/banned',
  '/api/:key/banned/:id',
  '/api/:key/check/:ip',
  '/ipset/:key/list',
  '/api/get',
  '/api/check',
]);

/**
 * True for a request routed to an APIBAN route: these carry their own key and are exempt from the
 * API token. A key spelled `v1` does not take `/api/v1/…`, the probe's own API, out of the token rule.
 */
export function isApibanRequest(req: FastifyRequest): boolean {
  if (!ROUTES.has(req.routeOptions.url ?? '')) return false;
  const key = (req.params as { key?: unknown } | undefined)?.key;
  return !req.url.startsWith('/api/v1/') && key !== 'v1';
}

/** Continuous refill: `requests` at once, then one more every perS / requests seconds. */
class TokenBucket {
  private tokens: number;

  constructor(
    private readonly rate: ApibanRate,
    private atMs: number,
  ) {
    this.tokens = rate.requests;
  }

  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.atMs);
    this.tokens = Math.min(this.rate.requests, this.tokens + (elapsed * this.rate.requests) / (this.rate.perS * 1000));
    this.atMs = Math.max(this.atMs, nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until the next request would pass. */
  retryAfterS(): number {
    return Math.max(1, Math.ceil(((1 - this.tokens) * this.rate.perS) / this.rate.requests));
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Cursor from a client's ID: missing, non-numeric or up to 100 (the clients' "from the start") is 0. */
function cursorOf(id: unknown): number {
  const n = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : 0;
  return Number.isFinite(n) && n > MIN_SEQ ? n : 0;
}

/** Fastify serialises objects as `application/json; charset=utf-8`. */
function json(reply: FastifyReply, code: number, body: object): FastifyReply {
  return reply.code(code).send(body);
}

/** Dataset names of apiban.org: this probe only sees SIP, so `http` is always empty. */
type DataSet = 'sip' | 'all' | 'http';
function dataSetOf(v: unknown): DataSet | null {
  if (v === undefined) return 'sip';
  return v === 'sip' || v === 'all' || v === 'http' ? v : null;
}

export function registerApiban(app: FastifyInstance, opts: ApibanOptions): void {
  const { blocklist, now } = opts;
  const rate = opts.rate ?? DEFAULT_APIBAN_RATE;
  if (!(rate.requests >= 1) || !(rate.perS > 0)) throw new RangeError(`apiban: bad rate ${JSON.stringify(rate)} (requests ≥ 1, perS > 0)`);
  const keys = opts.keys.map((k) => ({ key: k, hash: digest(k) }));
  const buckets = new Map<string, TokenBucket>();

  /** The matching key or null; every key is compared, in constant time, whatever matches. */
  const keyOf = (given: string | undefined): string | null => {
    if (given === undefined || given === '') return null;
    const h = digest(given);
    let found: string | null = null;
    for (const k of keys) if (timingSafeEqual(h, k.hash)) found = k.key;
    return found;
  };

  /** Refuses (403, 429) and returns false, or lets the request through. */
  const admit = (given: string | undefined, reply: FastifyReply): boolean => {
    const key = keyOf(given);
    if (key === null) {
      json(reply, 403, UNAUTHORIZED);
      return false;
    }
    const t = now();
    let bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, (bucket = new TokenBucket(rate, t)));
    if (!bucket.take(t)) {
      json(reply.header('retry-after', String(bucket.retryAfterS())), 429, RATE_LIMITED);
      return false;
    }
    return true;
  };

  const banned = (reply: FastifyReply, id: unknown, set: DataSet): FastifyReply => {
    const batch = set === 'http' ? [] : blocklist.since(cursorOf(id), APIBAN_BATCH, now());
    if (batch.length === 0) return json(reply, 400, NO_NEW_BANS);
    return json(reply, 200, { ipaddress: batch.map((e) => e.ip), ID: String(batch[batch.length - 1]!.seq) });
  };

  const check = (reply: FastifyReply, text: unknown, set: DataSet): FastifyReply => {
    const ip = typeof text === 'string' ? parseIp(text) : null;
    if (ip === null) return json(reply, 400, MALFORMED);
    const entry = set === 'http' ? null : blocklist.check(ip, now());
    return entry === null ? json(reply, 404, NOT_BLOCKED) : json(reply, 200, { ipaddress: [entry.ip], ID: String(entry.seq) });
  };

  const bearer = (req: FastifyRequest): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];

  type KeyParams = { Params: { key: string; id?: string; ip?: string } };

  // Own scope: every body is read as JSON whatever its content type (clients differ), and any
  // failure answers `{}` as apiban.org does.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch (err) {
        (err as { statusCode?: number }).statusCode = 400;
        done(err as Error, undefined);
      }
    });
    scope.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? 400 : 500;
      return json(reply, code, MALFORMED);
    });

    scope.get<KeyParams>('/api/:key/banned', async (req, reply) => (admit(req.params.key, reply) ? banned(reply, undefined, 'all') : reply));
    scope.get<KeyParams>('/api/:key/banned/:id', async (req, reply) => (admit(req.params.key, reply) ? banned(reply, req.params.id, 'all') : reply));
    scope.get<KeyParams>('/api/:key/check/:ip', async (req, reply) => (admit(req.params.key, reply) ? check(reply, req.params.ip, 'all') : reply));
    scope.get<KeyParams>('/ipset/:key/list', async (req, reply) => {
      if (!admit(req.params.key, reply)) return reply;
      const ips = blocklist.active(now()).map((e) => e.ip);
      return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(ips.length === 0 ? '' : ips.join('\n') + '\n');
    });

    scope.post('/api/get', async (req, reply) => {
      if (!admit(bearer(req), reply)) return reply;
      const body = req.body as { set?: unknown; id?: unknown } | null;
      const set = body !== null && typeof body === 'object' ? dataSetOf(body.set) : null;
      return set === null ? json(reply, 400, MALFORMED) : banned(reply, body!.id, set);
    });
    scope.post('/api/check', async (req, reply) => {
      if (!admit(bearer(req), reply)) return reply;
      const body = req.body as { set?: unknown; ipaddress?: unknown } | null;
      const set = body !== null && typeof body === 'object' ? dataSetOf(body.set) : null;
      return set === null ? json(reply, 400, MALFORMED) : check(reply, body!.ipaddress, set);
    });
  });
}
