import { defaultReplayOptions, replayFiles, type ReplayResult } from '../../src/pipeline/replay.js';
import type { Endpoint, EventAction, Originator, TrackEvent } from '../../src/track/track-event.js';
import { sharedPcap } from '../helpers/paths.js';

/**
 * Golden event tests: the compact projection of one event that the golden files assert.
 * Only what the probe established is present (the projection leaves out null and false values),
 * so an expectation also states which fields must be absent.
 */
export interface Brief {
  action: EventAction;
  /** @timestamp, ISO 8601 with microseconds (packet times are µs). */
  at: string;
  callId?: string;
  status?: number;
  /** event.end − event.start in seconds with 6 decimals; only when both are known. */
  duration?: string;
  /** "ip:port", "[ipv6]:port". */
  client?: string;
  server?: string;
  originator?: Originator;
  /** The true ones of partial, timeout, cancelled, in that order, comma-separated. */
  flags?: string;
  /** user.name: digest username, else the From user (calls, other-*) or the AoR user (reg-*). */
  user?: string;
  /** auth-failed only: the digest realm. */
  realm?: string;
  /** reg-* only: the binding's contact. */
  contact?: string;
  /** reg-new only: the granted expiry. */
  expires?: number;
  /** parse-error only: error.code. */
  error?: string;
}

export type BriefField = Exclude<keyof Brief, 'action' | 'at'>;

/** ISO 8601 with microseconds from µs since the epoch. */
export function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().slice(0, -1) + String(us - ms * 1000).padStart(3, '0') + 'Z';
}

function endpoint(e: Endpoint | null): string | undefined {
  if (e === null) return undefined;
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function seconds(us: number): string {
  const neg = us < 0 ? '-' : '';
  const a = Math.abs(us);
  return `${neg}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

/** The projection of one event; fields listed in `omit` are left out (see the file's todo tests). */
export function brief(e: TrackEvent, omit: readonly BriefField[] = []): Brief {
  const b: Brief = { action: e.action, at: isoUs(e.tsUs) };
  if (e.callId !== null) b.callId = e.callId;
  if (e.status !== null) b.status = e.status;
  if (e.startUs !== null && e.endUs !== null) b.duration = seconds(e.endUs - e.startUs);
  const client = endpoint(e.client);
  if (client !== undefined) b.client = client;
  const server = endpoint(e.server);
  if (server !== undefined) b.server = server;
  if (e.originator !== null) b.originator = e.originator;
  const flags = [e.partial && 'partial', e.timeout && 'timeout', e.cancelled && 'cancelled'].filter((f) => f !== false);
  if (flags.length > 0) b.flags = flags.join(',');
  if (e.user !== null) b.user = e.user;
  if (e.action === 'auth-failed' && e.realm !== null) b.realm = e.realm;
  if (e.action.startsWith('reg-') && e.contact !== null) b.contact = e.contact;
  if (e.action === 'reg-new' && e.expires !== null) b.expires = e.expires;
  if (e.action === 'parse-error' && e.errorCode !== null) b.error = e.errorCode;
  for (const f of omit) delete b[f];
  return b;
}

export interface Golden {
  events: TrackEvent[];
  result: ReplayResult;
}

const cache = new Map<string, Promise<Golden>>();

/** Replays one shared public capture with the default options (once per process) and keeps every event in order. */
export function replayShared(name: string): Promise<Golden> {
  let p = cache.get(name);
  if (p === undefined) {
    p = (async () => {
      const events: TrackEvent[] = [];
      const result = await replayFiles([sharedPcap(name)], defaultReplayOptions, (e) => events.push(e));
      return { events, result };
    })();
    cache.set(name, p);
  }
  return p;
}

/** The projections of every event of a shared capture, in emission order. */
export async function briefs(name: string, omit: readonly BriefField[] = []): Promise<Brief[]> {
  const g = await replayShared(name);
  return g.events.map((e) => brief(e, omit));
}

/** The first event of a capture matching the predicate, projected (undefined when none matches). */
export async function findBrief(name: string, pred: (e: TrackEvent) => boolean, omit: readonly BriefField[] = []): Promise<Brief | undefined> {
  const g = await replayShared(name);
  const e = g.events.find(pred);
  return e === undefined ? undefined : brief(e, omit);
}
