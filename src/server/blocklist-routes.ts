import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { duration } from '../config/units.js';
import { normaliseCidr, parseIp } from '../guard/blocklist/cidr.js';
import type { BlockEntry, BlocklistApi } from '../guard/blocklist/types.js';
import { ApiPrivacy } from './api-privacy.js';

/** Operator access to the blocklist and the allowlist under `/api/v1/`. */
export interface BlocklistRouteOptions {
  blocklist: BlocklistApi;
  /** Milliseconds on the probe's clock. */
  now: () => number;
  /** True when the request may change things (the API token). */
  authorised: (req: FastifyRequest) => boolean;
  /** Reply to an unauthorised change; by default 401 as for a wrong token. */
  deny?: (reply: FastifyReply) => FastifyReply;
  /** With field encryption on, addresses go out and come in as ciphertext. */
  privacy?: ApiPrivacy;
}

export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;
/** Longest reason or note kept: they are labels, not documents. */
const MAX_TEXT = 200;

const pageQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
});
const banBody = z.strictObject({
  ip: z.string(),
  reason: z.string().min(1).max(MAX_TEXT).default('manual'),
  /** Seconds (or `2h`, `30d`); the configured TTL when left out. */
  ttl: duration().pipe(z.number().positive()).optional(),
});
const allowBody = z.strictObject({
  cidr: z.string(),
  note: z.string().max(MAX_TEXT).default(''),
});

/** One line per problem: `ttl: expected a duration …`. */
function problems(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length === 0 ? 'body' : i.path.join('.')}: ${i.message}`).join('; ');
}

function view(e: BlockEntry, privacy: ApiPrivacy) {
  return {
    ip: privacy.ip(e.ip),
    seq: e.seq,
    reason: e.reason,
    origin: e.origin,
    hits: e.hits,
    firstSeen: new Date(e.firstSeenMs).toISOString(),
    lastSeen: new Date(e.lastSeenMs).toISOString(),
    expires: new Date(e.expiresMs).toISOString(),
  };
}

export function registerBlocklistRoutes(app: FastifyInstance, opts: BlocklistRouteOptions): void {
  const { blocklist, now, authorised } = opts;
  const deny = opts.deny ?? ((reply: FastifyReply) => reply.code(401).send({ error: 'missing or wrong bearer token' }));
  const bad = (reply: FastifyReply, error: string) => reply.code(400).send({ error });
  const privacy = opts.privacy ?? new ApiPrivacy(null);
  // Error texts quote what the client sent (ciphertext when encryption is on), never the decrypted value.
  const ipIn = (text: string): string | null => {
    const plain = privacy.ipIn(text);
    return plain === null ? null : parseIp(plain);
  };
  const cidrIn = (text: string): string => {
    const plain = privacy.networkIn(text);
    if (plain === null) throw new Error(`not a network of this key: ${JSON.stringify(text)}`);
    return normaliseCidr(plain);
  };

  /** Keyset pages: `next` is the `after` of the following page, null on the last one. */
  app.get('/api/v1/blocklist', async (req, reply) => {
    const q = pageQuery.safeParse(req.query ?? {});
    if (!q.success) return bad(reply, problems(q.error));
    const entries = blocklist.since(q.data.after, q.data.limit, now());
    const next = entries.length === q.data.limit ? entries[entries.length - 1]!.seq : null;
    return { entries: entries.map((e) => view(e, privacy)), next };
  });

  app.post('/api/v1/blocklist', async (req, reply) => {
    if (!authorised(req)) return deny(reply);
    const b = banBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, problems(b.error));
    const ip = ipIn(b.data.ip);
    if (ip === null) return bad(reply, `ip: not an IP address: ${JSON.stringify(b.data.ip)}`);
    if (blocklist.isAllowed(ip)) return reply.code(409).send({ error: `${privacy.ip(ip)} is on the allowlist: remove it there first` });
    const t = now();
    const result = blocklist.sight({ ip, reason: b.data.reason, origin: 'manual', nowMs: t, ...(b.data.ttl === undefined ? {} : { ttlS: b.data.ttl }) });
    const entry = blocklist.check(ip, t);
    if (result === 'full' || entry === null) return reply.code(503).send({ error: 'the blocklist is full (blocklist.maxEntries)' });
    return reply.code(result === 'added' ? 201 : 200).send(view(entry, privacy));
  });

  app.delete<{ Params: { ip: string } }>('/api/v1/blocklist/:ip', async (req, reply) => {
    if (!authorised(req)) return deny(reply);
    const ip = ipIn(req.params.ip);
    if (ip === null) return bad(reply, `not an IP address: ${JSON.stringify(req.params.ip)}`);
    if (!blocklist.unban(ip, now())) return reply.code(404).send({ error: `${privacy.ip(ip)} is not listed` });
    return { removed: privacy.ip(ip) };
  });

  app.get('/api/v1/allowlist', async () => ({ allow: blocklist.allowlist().map((e) => ({ ...e, cidr: privacy.network(e.cidr) })) }));

  app.post('/api/v1/allowlist', async (req, reply) => {
    if (!authorised(req)) return deny(reply);
    const b = allowBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, problems(b.error));
    let cidr: string;
    try {
      cidr = cidrIn(b.data.cidr);
    } catch (err) {
      return bad(reply, `cidr: ${(err as Error).message}`);
    }
    blocklist.allow(cidr, b.data.note, now());
    return reply.code(201).send({ cidr: privacy.network(cidr), note: b.data.note });
  });

  /** The prefix is URL-encoded in the path: `/api/v1/allowlist/10.0.0.0%2F8`. */
  app.delete<{ Params: { cidr: string } }>('/api/v1/allowlist/:cidr', async (req, reply) => {
    if (!authorised(req)) return deny(reply);
    let cidr: string;
    try {
      cidr = cidrIn(req.params.cidr);
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
    const shown = privacy.network(cidr);
    if (blocklist.disallow(cidr)) return { removed: shown };
    if (blocklist.allowlist().some((e) => e.cidr === cidr)) {
      return reply.code(409).send({ error: `${shown} comes from the configuration (blocklist.allow): change it there` });
    }
    return reply.code(404).send({ error: `${shown} is not on the allowlist` });
  });
}
