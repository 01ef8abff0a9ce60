/**
 * The NDJSON line of an event, built directly from the tracker fact: the same string as
 * `JSON.stringify(toEcs(e))` (same key order, escaping and number formatting) without building the
 * intermediate document. toEcs() stays the readable reference; test/events/ndjson.test.ts checks
 * that both agree on random events, bench/events/ndjson.bench.ts measures the gain.
 *
 * - The fixed head of each action (`ecs` and the `event` categorisation) is one constant string,
 *   computed at module load from CLASSIFICATION.
 * - Strings are copied as they are when they hold nothing JSON must escape (the usual case for SIP
 *   header values); otherwise JSON.stringify escapes them.
 * - Timestamps reuse the text of the last second and of the last day seen, so most cost a lookup
 *   of the milliseconds and one concatenation; a new day's date is computed without a Date object.
 * - The line is returned as the engine's concatenation of the pieces; the sink copies it once
 *   when it joins its buffered lines.
 */
import type { EventAction, TrackEvent } from '../track/track-event.js';
import { CLASSIFICATION, ECS_VERSION } from './ecs-event.js';
import { windowLabel } from './time.js';

// ---------------------------------------------------------------------------------------------
// Constant fragments
// ---------------------------------------------------------------------------------------------

/** Per action: everything from the closing quote of @timestamp to the `event.outcome` value. */
const ACTION_HEAD = new Map<string, string>();
for (const action of Object.keys(CLASSIFICATION) as EventAction[]) {
  const c = CLASSIFICATION[action];
  ACTION_HEAD.set(
    action,
    `","ecs":{"version":${JSON.stringify(ECS_VERSION)}},"event":{"kind":"event","action":${JSON.stringify(action)},` +
      `"category":${JSON.stringify(c.category)},"type":${JSON.stringify(c.type)},"outcome":${JSON.stringify(c.outcome)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Strings and numbers
// ---------------------------------------------------------------------------------------------

/**
 * The JSON string body of `s` (without the quotes): `s` itself when it holds no control character,
 * `"`, `\` or lone surrogate, else JSON.stringify's escaping.
 */
export function jsonStringBody(s: string): string {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return escaped(s);
    if (c >= 0xd800 && c <= 0xdfff) {
      // A high surrogate followed by a low one is a valid pair, copied as is; anything else is lone.
      if (c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      return escaped(s);
    }
  }
  return s;
}

function escaped(s: string): string {
  const q = JSON.stringify(s);
  return q.slice(1, q.length - 1);
}

/** A JSON number as JSON.stringify writes it (non-finite values become null). */
function num(n: number): string {
  return Number.isFinite(n) ? '' + n : 'null';
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

const MS_PER_DAY = 86_400_000;
/** Largest time value of a Date (ms), either sign; the day starting at +MAX_DATE_MS is cut there. */
const MAX_DATE_MS = 8.64e15;

/** '000Z'…'999Z' (milliseconds and the zone), '00'…'59'. */
const MS_Z: string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0') + 'Z');
const PAD2: string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

// Cached second: [secStart, secStart + secLen) ms, text 'YYYY-MM-DDTHH:MM:SS.'.
let secStart = NaN;
let secLen = 0;
let secText = '';
// Cached day: [dayStart, dayStart + dayLen) ms, text 'YYYY-MM-DDT' (or the extended ±YYYYYY form).
let dayStart = NaN;
let dayLen = 0;
let dayText = '';

/**
 * isoFromUs(us) (`new Date(Math.floor(us / 1000)).toISOString()`) with the date and time-of-day text
 * reused from the previous call when the second or the day is the same. A value outside the Date
 * range throws the same RangeError.
 */
export function isoFromUsCached(us: number): string {
  const ms = Math.floor(us / 1000);
  const inSec = ms - secStart;
  if (inSec >= 0 && inSec < secLen) return secText + MS_Z[inSec];
  return isoNewSecond(ms);
}

function isoNewSecond(ms: number): string {
  let inDay = ms - dayStart;
  if (!(inDay >= 0 && inDay < dayLen)) {
    if (!(ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS)) return new Date(ms).toISOString(); // throws RangeError
    const days = Math.floor(ms / MS_PER_DAY);
    dayStart = days * MS_PER_DAY;
    dayLen = Math.min(MS_PER_DAY, MAX_DATE_MS + 1 - dayStart);
    dayText = isoDate(days);
    inDay = ms - dayStart;
  }
  const sec = Math.floor(inDay / 1000);
  secStart = dayStart + sec * 1000;
  secLen = Math.min(1000, dayLen - sec * 1000);
  secText = dayText + PAD2[Math.floor(sec / 3600)] + ':' + PAD2[Math.floor(sec / 60) % 60] + ':' + PAD2[sec % 60] + '.';
  return secText + MS_Z[ms - secStart];
}

/**
 * 'YYYY-MM-DDT' of a day counted from 1970-01-01 (proleptic Gregorian, as Date), with the extended
 * '+YYYYYY' / '-YYYYYY' year outside 0000–9999 as toISOString writes it.
 * Civil-from-days after H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".
 */
function isoDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097; // day of the 400-year era, 0…146096
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // from March 1st
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const y =
    year >= 0 && year <= 9999
      ? String(year).padStart(4, '0')
      : (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
  return y + '-' + PAD2[month] + '-' + PAD2[day] + 'T';
}

// ---------------------------------------------------------------------------------------------
// The line
// ---------------------------------------------------------------------------------------------

/** `JSON.stringify(toEcs(e))`, built from constant fragments. */
export function eventToJson(e: TrackEvent): string {
  const head = ACTION_HEAD.get(e.action);
  if (head === undefined) throw new TypeError(`unknown event action ${String(e.action)}`);

  let o = '{"@timestamp":"' + isoFromUsCached(e.tsUs) + head;
  const startUs = e.startUs;
  const endUs = e.endUs;
  if (startUs !== null) o += ',"start":"' + isoFromUsCached(startUs) + '"';
  if (endUs !== null) o += ',"end":"' + isoFromUsCached(endUs) + '"';
  if (startUs !== null && endUs !== null) o += ',"duration":' + num((endUs - startUs) * 1000);
  o += '}';

  const client = e.client;
  if (client !== null) o += ',"client":{"ip":"' + jsonStringBody(client.ip) + '","port":' + num(client.port) + '}';
  const server = e.server;
  if (server !== null) o += ',"server":{"ip":"' + jsonStringBody(server.ip) + '","port":' + num(server.port) + '}';
  o += ',"network":{"protocol":"sip"';
  if (e.transport) o += ',"transport":"' + jsonStringBody(e.transport) + '"';
  if (e.bytes !== null) o += ',"bytes":' + num(e.bytes);
  o += '}';
  if (e.userAgent !== null) o += ',"user_agent":{"original":"' + jsonStringBody(e.userAgent) + '"}';
  if (e.user !== null) o += ',"user":{"name":"' + jsonStringBody(e.user) + '"}';
  if (e.errorCode !== null) {
    o += ',"error":{"code":"' + jsonStringBody(e.errorCode) + '","message":';
    o += e.errorMessage === null ? 'null}' : '"' + jsonStringBody(e.errorMessage) + '"}';
  }

  // sip: `first` decides between the `{` that opens the object and the `,` between members.
  o += ',"sip":';
  let first = true;
  if (e.callId !== null) {
    o += '{"call_id":"' + jsonStringBody(e.callId) + '"';
    first = false;
  }
  if (e.from !== null) {
    o += (first ? '{"from":"' : ',"from":"') + jsonStringBody(e.from) + '"';
    first = false;
  }
  if (e.to !== null) {
    o += (first ? '{"to":"' : ',"to":"') + jsonStringBody(e.to) + '"';
    first = false;
  }
  if (e.fromTag !== null) {
    o += (first ? '{"from_tag":"' : ',"from_tag":"') + jsonStringBody(e.fromTag) + '"';
    first = false;
  }
  if (e.toTag !== null) {
    o += (first ? '{"to_tag":"' : ',"to_tag":"') + jsonStringBody(e.toTag) + '"';
    first = false;
  }
  if (e.requestUri !== null || e.method !== null) {
    o += first ? '{"request":{' : ',"request":{';
    first = false;
    if (e.method !== null) {
      o += '"method":"' + jsonStringBody(e.method) + (e.requestUri !== null ? '","uri":"' + jsonStringBody(e.requestUri) + '"}' : '"}');
    } else {
      o += '"uri":"' + jsonStringBody(e.requestUri!) + '"}';
    }
  }
  if (e.status !== null) {
    o += (first ? '{"response":{"status":' : ',"response":{"status":') + num(e.status);
    o += e.reason !== null ? ',"reason":"' + jsonStringBody(e.reason) + '"}' : '}';
    first = false;
  }
  if (e.contact !== null) {
    o += (first ? '{"contact":"' : ',"contact":"') + jsonStringBody(e.contact) + '"';
    first = false;
  }
  if (e.expires !== null) {
    o += (first ? '{"expires":' : ',"expires":') + num(e.expires);
    first = false;
  }
  if (e.serverAgent !== null) {
    o += (first ? '{"server_agent":"' : ',"server_agent":"') + jsonStringBody(e.serverAgent) + '"';
    first = false;
  }
  if (e.pai !== null) {
    o += (first ? '{"pai":"' : ',"pai":"') + jsonStringBody(e.pai) + '"';
    first = false;
  }
  if (e.realm !== null) {
    o += (first ? '{"auth_realm":"' : ',"auth_realm":"') + jsonStringBody(e.realm) + '"';
    first = false;
  }
  if (e.pddMs !== null) {
    o += (first ? '{"pdd_ms":' : ',"pdd_ms":') + num(e.pddMs);
    first = false;
  }
  if (e.ringMs !== null) {
    o += (first ? '{"ring_ms":' : ',"ring_ms":') + num(e.ringMs);
    first = false;
  }
  if (e.originator !== null) {
    o += (first ? '{"originator":"' : ',"originator":"') + jsonStringBody(e.originator) + '"';
    first = false;
  }
  if (e.timeout) {
    o += first ? '{"timeout":true' : ',"timeout":true';
    first = false;
  }
  if (e.cancelled) {
    o += first ? '{"cancelled":true' : ',"cancelled":true';
    first = false;
  }
  if (e.partial) {
    o += first ? '{"partial":true' : ',"partial":true';
    first = false;
  }
  if (e.errorOffset !== null) {
    o += (first ? '{"error_offset":' : ',"error_offset":') + num(e.errorOffset);
    first = false;
  }
  if (e.payloadPrefix !== null) {
    o += (first ? '{"payload_prefix":"' : ',"payload_prefix":"') + jsonStringBody(e.payloadPrefix) + '"';
    first = false;
  }
  if (e.trace !== null && e.trace !== '') {
    o += (first ? '{"msg_trace":"' : ',"msg_trace":"') + jsonStringBody(e.trace) + '"';
    first = false;
  }
  if (e.encap.length > 0) {
    o += (first ? '{"encap":"' : ',"encap":"') + jsonStringBody(e.encap.join('/')) + '"';
    first = false;
  }
  if (e.keyId !== null) {
    o += (first ? '{"key_id":"' : ',"key_id":"') + jsonStringBody(e.keyId) + '"';
    first = false;
  }
  const r = e.rate;
  if (r !== null) {
    o += (first ? '{"rate":{"state":"' : ',"rate":{"state":"') + jsonStringBody(r.state);
    o += '","exceeded":' + num(r.exceeded) + ',"suppressed":' + num(r.suppressed) + ',"suppressed_total":' + num(r.suppressedTotal);
    o += ',"current":' + num(r.current) + ',"limit":' + num(r.limit) + ',"window":"' + jsonStringBody(windowLabel(r.windowS));
    o += '","since":"' + isoFromUsCached(r.sinceUs) + '"}';
    first = false;
  }
  return o + (first ? '{}}' : '}}');
}
