import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Log } from '../base/log.js';
import type { BlocklistApi } from '../guard/blocklist/types.js';
import { metricsText } from '../guard/metrics.js';
import { checkEventTypes } from '../guard/options.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../outputs/sqlite-reader.js';
import type { OutputRecord } from '../events/record.js';
import type { Probe } from '../pipeline/probe.js';
import { ApiPrivacy } from './api-privacy.js';
import { isApibanRequest, registerApiban, type ApibanOptions } from './apiban.js';
import { registerBlocklistRoutes } from './blocklist-routes.js';
import { EventStream } from './event-stream.js';
import { RateHistory } from './rate-history.js';
import { registerUiRoutes } from './ui-routes.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Bearer token; null = read-only API on loopback only. */
  token: string | null;
}

/** Extra gauges beside the probe's own (output spools and the like). */
export type GaugeSource = () => Record<string, number>;

/** Optional parts: the blocklist routes, and the APIBAN server over the same list. */
export interface HttpExtras {
  blocklist?: BlocklistApi;
  apiban?: Omit<ApibanOptions, 'blocklist' | 'now'> | null;
  /** Milliseconds on the probe's clock (default: the wall clock). */
  now?: () => number;
  /** Field encryption: what the API shows is ciphertext like the events. */
  privacy?: ApiPrivacy;
  /** The operator views (events, live stream, calls, flows, dashboard) and the web UI. */
  views?: ViewOptions;
  /** Whether the inputs are receiving (readiness); default: always. */
  ready?: () => boolean;
}

export interface ViewOptions {
  /** The sqlite output's database, or null when there is none. */
  storePath: string | null;
  /** How long one event-store query may run (ms; default 10 s). */
  queryTimeoutMs?: number;
  /** Configuration with its secrets masked. */
  config: unknown;
  version: string;
  live: () => boolean;
  /** Subscribes to every record written (the event writer's onRecord). */
  onRecord: (listener: (r: OutputRecord) => void) => () => void;
  /** Serve the web UI under /ui/. */
  ui: boolean;
}

/** The built web UI (dist/ui), beside the compiled server (dist/src/server). */
const UI_ROOT = fileURLToPath(new URL('../../ui/', import.meta.url));

/** Host names a loopback-bound API answers to: anything else is a DNS-rebinding attempt from a web page. */
function loopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The probe's HTTP API: health, Prometheus metrics (prom-client's process metrics plus every
 * pipeline counter), the current stats document, and the event-type exclusions (read, change).
 * Loopback by default; any other address needs a token, and changes always need it.
 */
export async function startHttpServer(opts: HttpOptions, probe: Probe, gauges: GaugeSource, log: Log, extras: HttpExtras = {}): Promise<FastifyInstance> {
  if (!isLoopback(opts.host) && opts.token === null) {
    throw new Error(`http: listening on ${opts.host} (not loopback) needs a token (http.token or http.tokenEnv)`);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sipsentry_' });
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const token = opts.token === null ? null : Buffer.from(opts.token);

  const authorised = (req: FastifyRequest): boolean => {
    if (token === null) return false;
    const h = req.headers.authorization ?? '';
    const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
    return given.length === token.length && timingSafeEqual(given, token);
  };
  const deny = (reply: FastifyReply, write: boolean): FastifyReply =>
    reply.code(token === null && write ? 403 : 401).send({ error: token === null && write ? 'changes need an API token (http.token)' : 'missing or wrong bearer token' });

  const apiban = extras.blocklist !== undefined && extras.apiban != null ? extras.apiban : null;
  const now = extras.now ?? Date.now;
  const privacy = extras.privacy ?? new ApiPrivacy(null);
  const loopback = isLoopback(opts.host);

  // Browsers get no CORS headers (cross-origin pages cannot read any answer), the UI's own page
  // may only load its own scripts, and nothing is framed or sniffed.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    return payload;
  });

  // Off loopback, every request needs the token; on loopback, only changes do. APIBAN routes check
  // their own key instead: firewalls elsewhere poll them without the API token.
  app.addHook('onRequest', async (req, reply) => {
    if (loopback && !loopbackHostHeader(req.headers.host)) return reply.code(421).send({ error: 'this API answers to loopback host names only' });
    if (apiban !== null && isApibanRequest(req)) return;
    if (!loopback && !authorised(req)) return deny(reply, false);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Readiness: the API starts before the inputs (its views watch files being read); a load
  // balancer, an orchestrator or a test sending traffic waits for this instead.
  const ready = extras.ready ?? (() => true);
  app.get('/readyz', async (_req, reply) => (ready() ? { status: 'ready' } : reply.code(503).send({ status: 'starting' })));
  app.get('/metrics', async (_req, reply) => {
    const own = metricsText(probe.counters, { ...probe.guard.gauges(), ...gauges() });
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return (await registry.metrics()) + own;
  });
  app.get('/api/v1/stats', async () => privacy.document(probe.guard.stats(probe.tracker.nowUs, false)));
  app.get('/api/v1/exclusions', async () => ({ exclude: [...probe.guard.exclude].sort() }));
  app.put('/api/v1/exclusions', async (req, reply) => {
    if (!authorised(req)) return deny(reply, true);
    const body = req.body as { exclude?: unknown } | null;
    if (body === null || typeof body !== 'object' || !Array.isArray(body.exclude) || !body.exclude.every((x) => typeof x === 'string')) {
      return reply.code(400).send({ error: 'expected {"exclude": ["event-type", …]}' });
    }
    try {
      checkEventTypes(body.exclude as string[]);
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
    probe.guard.setExcluded(body.exclude as string[]);
    log.info({ exclude: body.exclude }, 'event-type exclusions changed through the API');
    return { exclude: [...probe.guard.exclude].sort() };
  });
  if (extras.blocklist !== undefined) {
    registerBlocklistRoutes(app, { blocklist: extras.blocklist, now, authorised, deny: (reply) => deny(reply, true), privacy });
    if (apiban !== null) registerApiban(app, { ...apiban, blocklist: extras.blocklist, now });
  }

  const views = extras.views;
  if (views !== undefined) {
    const stream = new EventStream(probe.counters);
    const rates = new RateHistory(probe.counters);
    const offStream = views.onRecord(stream.push);
    const offRates = views.onRecord((r) => rates.record(r));
    probe.onAdvance((nowUs, sinceUs) => rates.step(nowUs, sinceUs));
    app.addHook('onClose', async () => {
      offStream();
      offRates();
    });
    registerUiRoutes(app, {
      probe,
      privacy,
      storePath: views.storePath,
      queryTimeoutMs: views.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      stream,
      rates,
      config: views.config,
      version: views.version,
      live: views.live,
      blocklist: extras.blocklist !== undefined,
      tokenConfigured: token !== null,
    });
    if (views.ui) {
      if (existsSync(UI_ROOT)) {
        await app.register(fastifyStatic, { root: UI_ROOT, prefix: '/ui/', index: 'index.html', maxAge: 0 });
        app.get('/', async (_req, reply) => reply.redirect('/ui/'));
      } else {
        app.get('/ui/*', async (_req, reply) => reply.code(404).send({ error: 'the web UI is not built (npm run build)' }));
      }
    }
  }

  await app.listen({ host: opts.host, port: opts.port });
  log.info({ host: opts.host, port: (app.server.address() as { port: number }).port }, 'HTTP API listening');
  return app;
}
