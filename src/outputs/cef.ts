/**
 * ArcSight Common Event Format (CEF 0) lines for SIEMs that read CEF rather than JSON:
 * `CEF:0|sipsentry|sipsentry|<version>|<action>|<name>|<severity>|key=value …`.
 * The ECS fields map onto CEF's standard keys (src, dst, suser, request, …); the SIP specifics
 * without one go to labelled custom strings and numbers (cs1 = Call-ID, …).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputRecord } from '../events/record.js';

const NAMES: Readonly<Record<string, string>> = {
  'call-attempt': 'SIP call attempt failed',
  'call-start': 'SIP call started',
  'call-end': 'SIP call ended',
  'reg-new': 'SIP registration',
  'reg-del': 'SIP unregistration',
  'reg-expired': 'SIP registration expired',
  'auth-failed': 'SIP authentication failed',
  'other-ok': 'SIP request succeeded',
  'other-failed': 'SIP request failed',
  'other-timeout': 'SIP request timed out',
  'parse-error': 'Malformed SIP message',
  'msg-probe': 'Non-SIP payload on a SIP flow',
  stats: 'sipsentry statistics',
};

/** Facts an analyst looks at first: failed authentication, garbage and probes on SIP ports. */
const NOTABLE_ACTIONS = new Set(['auth-failed', 'parse-error', 'msg-probe']);

export type Importance = 'alert' | 'notable' | 'routine';

/** Shared by the CEF severity and the syslog severity. */
export function importance(r: OutputRecord): Importance {
  if (r.kind === 'alert') return 'alert';
  return NOTABLE_ACTIONS.has(r.action) ? 'notable' : 'routine';
}

/** CEF severity 0–10: 7 high, 5 medium, 3 low. */
const CEF_SEVERITY: Readonly<Record<Importance, number>> = { alert: 7, notable: 5, routine: 3 };

/** Header fields: backslash and pipe escaped; a line break would end the line, so it becomes a space. */
export function cefHeader(s: string): string {
  return s.replace(/[\\|]/g, '\\$&').replace(/\r\n|[\r\n]/g, ' ');
}

/** Extension values: backslash and equals sign escaped, line breaks as \n and \r. */
export function cefValue(s: string): string {
  return s.replace(/[\\=]/g, '\\$&').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

type Doc = Record<string, unknown>;

function at(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Doc)[k];
  }
  return cur;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.join(',');
  return null;
}

/** Standard CEF keys and the ECS field each takes its value from. */
const STANDARD: ReadonlyArray<readonly [string, string]> = [
  ['src', 'client.ip'],
  ['spt', 'client.port'],
  ['dst', 'server.ip'],
  ['dpt', 'server.port'],
  ['suser', 'user.name'],
  ['requestMethod', 'sip.request.method'],
  ['request', 'sip.request.uri'],
  ['requestClientApplication', 'user_agent.original'],
  ['outcome', 'event.outcome'],
  ['cat', 'event.category'],
  ['reason', 'sip.response.reason'],
  ['msg', 'error.message'],
];

/** Custom fields: key, its label, the ECS field. */
const CUSTOM: ReadonlyArray<readonly [string, string, string]> = [
  ['cs1', 'callId', 'sip.call_id'],
  ['cs2', 'from', 'sip.from'],
  ['cs3', 'to', 'sip.to'],
  ['cs4', 'msgTrace', 'sip.msg_trace'],
  ['cs5', 'errorCode', 'error.code'],
  ['cs6', 'rateState', 'sip.rate.state'],
  ['cn1', 'sipStatus', 'sip.response.status'],
  ['cn2', 'pddMs', 'sip.pdd_ms'],
  ['cn3', 'rateExceeded', 'sip.rate.exceeded'],
];

let version: string | undefined;

/** sipsentry's version, from the package.json above this module (the same from src/ or dist/). */
function productVersion(): string {
  if (version !== undefined) return version;
  version = 'unknown';
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      version = String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return version;
}

/** The CEF line of a record (its document is parsed: CEF needs individual fields). */
export function cefLine(r: OutputRecord): string {
  const doc = JSON.parse(r.json) as Doc;
  const ext: string[] = [`rt=${r.tsMs}`, `externalId=${cefValue(r.id)}`];
  for (const [key, field] of STANDARD) {
    const v = text(at(doc, field));
    if (v !== null) ext.push(`${key}=${cefValue(v)}`);
  }
  const transport = text(at(doc, 'network.transport'));
  if (transport !== null) ext.push(`proto=${cefValue(transport.toUpperCase())}`);
  for (const [key, label, field] of CUSTOM) {
    const v = text(at(doc, field));
    if (v !== null) ext.push(`${key}=${cefValue(v)}`, `${key}Label=${label}`);
  }
  const header = ['CEF:0', 'sipsentry', 'sipsentry', productVersion(), r.action, NAMES[r.action] ?? r.action, String(CEF_SEVERITY[importance(r)])];
  return header.map((h, i) => (i === 0 ? h : cefHeader(h))).join('|') + '|' + ext.join(' ');
}
