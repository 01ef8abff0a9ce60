import { readFileSync } from 'node:fs';
import { readCapture } from '../../src/capture/read-capture.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { userOf } from '../../src/track/uri-keys.js';
import type { TrackEvent } from '../../src/track/track-event.js';

/** One expected event of a lab truth file (lab/README.md describes the format). */
export interface TruthEvent {
  action: string;
  t?: number;
  call_id?: string | null;
  status?: number;
  timeout?: boolean;
  client_ip?: string;
  client_port?: number;
  server_ip?: string;
  user?: string;
  aor?: string;
  contact?: string;
  originator?: string;
  from_user?: string;
  to_user?: string;
  request_method?: string;
  duration_s?: number;
  duration_tolerance_s?: number;
  source?: string;
}

/** Events decided by a timer carry the rule's time, the others the deciding message's time. */
const TIMER_ACTIONS = new Set(['reg-expired', 'other-timeout']);

function timeTolerance(t: TruthEvent): number {
  return TIMER_ACTIONS.has(t.action) || t.timeout === true ? 2 : 0.05;
}

/** The differences between one truth event and one produced event ('' when they agree). */
function differences(t: TruthEvent, e: TrackEvent, t0Us: number): string[] {
  const d: string[] = [];
  const check = (name: string, want: unknown, got: unknown) => {
    if (want !== undefined && want !== null && want !== got) d.push(`${name}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  check('status', t.status, e.status);
  if (t.timeout !== undefined) check('timeout', t.timeout, e.timeout);
  check('client_ip', t.client_ip, e.client?.ip);
  check('client_port', t.client_port, e.client?.port);
  check('server_ip', t.server_ip, e.server?.ip);
  check('user', t.user, e.user);
  check('aor', t.aor, e.to);
  check('contact', t.contact, e.contact);
  check('originator', t.originator, e.originator);
  check('from_user', t.from_user, userOf(e.from));
  check('to_user', t.to_user, userOf(e.to));
  check('request_method', t.request_method, e.method);
  if (t.duration_s !== undefined) {
    const got = e.startUs !== null && e.endUs !== null ? (e.endUs - e.startUs) / 1e6 : null;
    if (got === null || Math.abs(got - t.duration_s) > (t.duration_tolerance_s ?? 0.5)) d.push(`duration: want ${t.duration_s}±${t.duration_tolerance_s ?? 0.5}, got ${got}`);
  }
  if (t.t !== undefined && t.t >= 0) {
    const at = (e.tsUs - t0Us) / 1e6;
    if (Math.abs(at - t.t) > timeTolerance(t)) d.push(`t: want ${t.t}, got ${at.toFixed(3)}`);
  }
  return d;
}

/**
 * Matches produced events to the truth one to one (same action and Call-ID, then the closest
 * agreeing candidate) and lists every disagreement: missing, unexpected or differing events.
 */
export function compareWithTruth(truth: TruthEvent[], events: TrackEvent[], t0Us: number): string[] {
  const problems: string[] = [];
  const unused = new Set(events);
  for (const t of truth) {
    const candidates = [...unused].filter((e) => e.action === t.action && (t.call_id == null || e.callId === t.call_id) && (t.contact === undefined || e.contact === t.contact));
    let best: TrackEvent | null = null;
    let bestDiff: string[] | null = null;
    for (const c of candidates) {
      const d = differences(t, c, t0Us);
      if (bestDiff === null || d.length < bestDiff.length) {
        best = c;
        bestDiff = d;
      }
      if (d.length === 0) break;
    }
    const label = `${t.action} ${t.source ?? ''} ${t.call_id ?? ''}`.trim();
    if (best === null) problems.push(`missing: ${label}`);
    else {
      unused.delete(best);
      if (bestDiff!.length > 0) problems.push(`${label}: ${bestDiff!.join('; ')}`);
    }
  }
  for (const e of unused) problems.push(`unexpected: ${e.action} ${e.callId ?? ''} status=${e.status} client=${e.client?.ip}:${e.client?.port} at +${((e.tsUs - t0Us) / 1e6).toFixed(3)}`);
  return problems;
}

/** Replays a lab capture and compares every event with the truth the lab derived from the software's own records. */
export async function checkAgainstTruth(pcap: string, truthFile: string): Promise<string[]> {
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { events: TruthEvent[] };
  let t0 = -1;
  await readCapture(pcap, (f) => {
    if (t0 < 0) t0 = f.tsUs;
  });
  const events: TrackEvent[] = [];
  await replayFiles([pcap], defaultReplayOptions, (e) => events.push(e));
  return compareWithTruth(truth.events, events, t0);
}

