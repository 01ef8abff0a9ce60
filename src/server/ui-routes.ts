import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { StoreReader } from '../outputs/sqlite-reader.js';
import { StoreError, type EventFilter } from '../outputs/sqlite-store.js';
import type { Probe } from '../pipeline/probe.js';
import { CallState } from '../track/call.js';
import type { ApiPrivacy } from './api-privacy.js';
import { buildCallFlow } from './call-flow.js';
import type { EventStream } from './event-stream.js';
import { callFlowPcap } from './pcap-export.js';
import type { RateHistory } from './rate-history.js';

/** What the operator views read besides the probe: the event store, the live stream, the rate history. */
export interface UiRouteOptions {
  probe: Probe;
  privacy: ApiPrivacy;
  /** The sqlite output's database, read for event queries; null when the probe writes none. */
  storePath: string | null;
  /** How long one event-store query may run before its thread is stopped (ms). */
  queryTimeoutMs: number;
  stream: EventStream;
  rates: RateHistory;
  /** The running configuration, secrets already masked. */
  config: unknown;
  version: string;
  live: () => boolean;
  blocklist: boolean;
  tokenConfigured: boolean;
}

const LIST_LIMIT = 1000;

/** A time as ISO 8601 or epoch milliseconds. */
const time = z.string().transform((v, ctx) => {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO time or epoch milliseconds, not ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''));
const filterQuery = z.strictObject({
  from: time.optional(),
  to: time.optional(),
  action: list.optional(),
  ip: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  call_id: z.string().min(1).optional(),
  text: z.string().max(200).optional(),
});
const eventsQuery = filterQuery.extend({
  kind: z.enum(['event', 'alert', 'metric']).default('event'),
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT).default(100),
  cursor: z.string().min(1).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
});
/** A listing's first `limit` items, mapped, with the count of all and whether the list was cut. */
function firstOf<T, R>(all: Iterable<T>, limit: number, map: (t: T) => R): { items: R[]; total: number; truncated: boolean } {
  const items: R[] = [];
  let total = 0;
  for (const t of all) if (total++ < limit) items.push(map(t));
  return { items, total, truncated: total > items.length };
}

const limitQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(LIST_LIMIT) });
const streamQuery = z.strictObject({ kind: list.default(['event', 'alert']) });

function problems(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length === 0 ? 'query' : i.path.join('.')}: ${i.message}`).join('; ');
}

function filterOf(q: z.output<typeof filterQuery>): EventFilter {
  return {
    ...(q.from !== undefined ? { from: q.from } : {}),
    ...(q.to !== undefined ? { to: q.to } : {}),
    ...(q.action !== undefined ? { actions: q.action } : {}),
    ...(q.ip !== undefined ? { ip: q.ip } : {}),
    ...(q.user !== undefined ? { user: q.user } : {}),
    ...(q.call_id !== undefined ? { callId: q.call_id } : {}),
    ...(q.text !== undefined ? { text: q.text } : {}),
  };
}

const iso = (us: number): string | null => (us >= 0 ? new Date(Math.floor(us / 1000)).toISOString() : null);

/**
 * The read side behind the web UI: info, event search with cursor pages, the live stream, the
 * dashboard's aggregates and rates, active calls and registrations from the tracker, call flows and
 * their pcap, the masked configuration. Everything that carries an address, a URI, a user or a
 * Call-ID passes through ApiPrivacy, so with encryption on nothing here is plaintext.
 */
export function registerUiRoutes(app: FastifyInstance, o: UiRouteOptions): void {
  const { probe, privacy } = o;
  // Queries run on a reader thread, which opens the file on first use and again after a failure
  // (the output creates it when it starts).
  const store = o.storePath === null ? null : new StoreReader(o.storePath, o.queryTimeoutMs);
  const withStore = async <T>(reply: FastifyReply, fn: (s: StoreReader) => Promise<T>): Promise<T | FastifyReply> => {
    if (store === null) return reply.code(503).send({ error: 'no event store: add the sqlite output (-o sqlite:FILE) to search events' });
    try {
      return await fn(store);
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'query') return reply.code(400).send({ error: err.message });
      if (err instanceof StoreError && err.kind === 'timeout') {
        return reply.code(503).send({ error: `event store: the query ran longer than ${o.queryTimeoutMs / 1000} s and was stopped; narrow the time range or the filters` });
      }
      return reply.code(503).send({ error: `event store: ${(err as Error).message}` });
    }
  };
  app.addHook('onClose', async () => {
    await store?.close();
    o.stream.close();
  });

  app.get('/api/v1/info', async () => ({
    version: o.version,
    live: o.live(),
    nowMs: Math.floor(probe.tracker.nowUs / 1000),
    encryption: privacy.describe(),
    store: o.storePath !== null,
    callFlows: probe.messageLog !== null,
    blocklist: o.blocklist,
    tokenConfigured: o.tokenConfigured,
  }));

  app.get('/api/v1/events', async (req, reply) => {
    const q = eventsQuery.safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: problems(q.error) });
    return withStore(reply, async (s) => {
      const page = await s.queryEvents({ ...filterOf(q.data), kinds: [q.data.kind], limit: q.data.limit, cursor: q.data.cursor ?? null, order: q.data.order });
      // The stored JSON is sent as is: parsing it only to serialise it again would cost for nothing.
      reply.type('application/json; charset=utf-8');
      return `{"events":[${page.records.map((r) => r.json).join(',')}],"next":${JSON.stringify(page.next)}}`;
    });
  });

  app.get('/api/v1/events/stream', async (req, reply) => {
    const q = streamQuery.safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: problems(q.error) });
    reply.hijack();
    if (!o.stream.add(reply.raw, new Set(q.data.kind))) {
      reply.raw.writeHead(503, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify({ error: `too many live streams (${o.stream.maxClients})` }));
    }
  });

  app.get('/api/v1/summary', async (req, reply) => {
    const q = filterQuery.pick({ from: true, to: true }).safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: problems(q.error) });
    const f = filterOf(q.data);
    return withStore(reply, async (s) => {
      const [byAction, topSources, topUsers, alerts] = await Promise.all([
        s.countsByAction({ ...f, kinds: ['event'] }),
        s.topClientIps({ ...f, kinds: ['event', 'alert'] }),
        s.topUsers({ ...f, kinds: ['event'] }),
        s.countsByAction({ ...f, kinds: ['alert'] }),
      ]);
      return { byAction, topSources, topUsers, alertsByRule: alerts.map((r) => ({ rule: r.action, count: r.count })) };
    });
  });

  app.get('/api/v1/rates', async () => ({ intervalS: o.rates.intervalS, points: o.rates.series() }));

  app.get('/api/v1/calls', async (req, reply) => {
    const q = limitQuery.safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: problems(q.error) });
    const { items: calls, total, truncated } = firstOf(probe.tracker.liveCalls(), q.data.limit, (c) => ({
      callId: privacy.callId(c.callId),
      from: privacy.uri(c.fromUri),
      to: privacy.uri(c.toUri),
      state: c.state === CallState.Confirmed ? 'confirmed' : 'early',
      createdAt: iso(c.firstInviteUs),
      startedAt: c.state === CallState.Confirmed ? iso(c.startUs) : null,
      client: { ip: privacy.ip(c.client.ip), port: c.client.port },
      server: { ip: privacy.ip(c.server.ip), port: c.server.port },
      userAgent: privacy.userAgent(c.userAgent),
      partial: c.partial,
    }));
    return { calls, total, truncated };
  });

  app.get('/api/v1/registrations', async (req, reply) => {
    const q = limitQuery.safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: problems(q.error) });
    const { items: bindings, total, truncated } = firstOf(probe.tracker.liveBindings(), q.data.limit, (b) => ({
      aor: privacy.uri(b.aor),
      contact: privacy.uri(b.contact),
      user: privacy.user(b.user),
      registeredAt: iso(b.createdUs),
      expiresAt: iso(b.expiresAtUs),
      client: { ip: privacy.ip(b.client.ip), port: b.client.port },
      server: { ip: privacy.ip(b.server.ip), port: b.server.port },
      userAgent: privacy.userAgent(b.userAgent),
    }));
    return { bindings, total, truncated };
  });

  const flowLog = (callId: string, reply: FastifyReply) => {
    if (probe.messageLog === null) {
      reply.code(404).send({ error: 'call flows are off (http.callFlows.maxBytes: 0)' });
      return null;
    }
    const plain = privacy.callIdIn(callId);
    const log = plain === null ? undefined : probe.messageLog.get(plain);
    if (plain === null || log === undefined) {
      reply.code(404).send({ error: 'no messages kept for this Call-ID (unknown, or forgotten: http.callFlows.maxBytes)' });
      return null;
    }
    return { plain, log };
  };

  app.get<{ Params: { callId: string } }>('/api/v1/calls/:callId/flow', async (req, reply) => {
    const f = flowLog(req.params.callId, reply);
    if (f === null) return reply;
    return { ...buildCallFlow(f.plain, req.params.callId, f.log, privacy), pcap: !privacy.on };
  });

  app.get<{ Params: { callId: string } }>('/api/v1/calls/:callId/pcap', async (req, reply) => {
    if (privacy.on) return reply.code(403).send({ error: 'no pcap downloads while field encryption is on: the packets are plaintext' });
    const f = flowLog(req.params.callId, reply);
    if (f === null) return reply;
    const name = 'call-' + req.params.callId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) + '.pcap';
    reply.header('content-disposition', `attachment; filename="${name}"`);
    reply.type('application/vnd.tcpdump.pcap');
    return callFlowPcap(f.log.messages);
  });

  app.get('/api/v1/ratelimits', async (req, reply) => {
    const q = limitQuery.safeParse(req.query ?? {});
    if (!q.success) return reply.code(400).send({ error: problems(q.error) });
    const keys = probe.guard.rate.limited(q.data.limit).map((k) => ({
      action: k.action,
      ip: privacy.ip(k.ip),
      since: iso(k.sinceUs),
      exceeded: k.exceeded,
      suppressed: k.suppressed,
    }));
    return { keys, total: probe.guard.rate.keys.exceeded };
  });

  app.get('/api/v1/config', async () => o.config);
}
