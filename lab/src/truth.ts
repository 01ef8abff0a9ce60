/**
 * Builds <name>.truth.json for one lab run from what the real software recorded:
 *  - Kamailio's sipdump files: every message the proxy received or sent, retransmissions included;
 *  - the run manifest: each SIPp instance / attack tool with its exact command line;
 *  - SIPp's own message traces (-trace_shortmsg) and exit codes;
 *  - the scenario definitions (what each scenario does, its hold times) encoded below.
 * It never reads sipsentry's output. tshark (check-counts.ts) is only used as a cross-check.
 *
 * usage: node dist/lab/src/truth.js NAME WORKDIR PCAP OUT.json
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCapture, sortedRecord, type SipCounts } from './check-counts.js';
import { hopKey, readSipdump, type WireMsg } from './sipdump.js';

export const PROXY_IP = '127.0.0.10';
/** Grace after a binding's expiry before it counts as expired (the event rules). */
const REG_GRACE_S = 30;
/** How far the replay clock advances after the last packet (the event rules). */
const END_ADVANCE_S = 32;
/** OPTIONS keep-alive window (the event rules). */
const KEEPALIVE_S = 300;
/** Allowed difference between the truth's call duration (proxy clock) and the capture's. */
const DURATION_TOLERANCE_S = 0.1;
/** How much longer than its defined hold time a call may last before the run is called broken. */
const HOLD_SLACK_S = 3;

export interface ManifestEntry {
  id: string;
  /** SIPp scenario name (file name without .xml), for SIPp instances. */
  scenario?: string;
  /** Program name, for attack tools. */
  tool?: string;
  transport?: string;
  ip?: string;
  port?: number;
  args: string[];
  started: number;
}

export interface ExpectedEvent {
  action: string;
  /** Manifest id of the instance or tool whose traffic gives this event. */
  source: string;
  /** Seconds since the first captured frame of the message that triggers the event (proxy clock, ~ms). */
  t: number;
  call_id?: string;
  from_user?: string;
  to_user?: string;
  request_method?: string;
  status?: number;
  duration_s?: number;
  duration_tolerance_s?: number;
  /** The hold time the scenario defines (call-end). */
  hold_s?: number;
  originator?: 'caller' | 'callee';
  timeout?: boolean;
  client_ip?: string;
  client_port?: number;
  server_ip?: string;
  aor?: string;
  contact?: string;
  user?: string;
}

export interface Truth {
  run: string;
  generated_by: string;
  sources: string[];
  capture: { file: string; frames: number; duration_s: number };
  counts: SipCounts & { retransmissions: number; tshark_messages: number; tshark_counts_equal: boolean };
  events: ExpectedEvent[];
  event_counts: Record<string, number>;
  expected_event_kinds: string[];
  crosschecks: Record<string, unknown>;
  notes: string[];
}

// ------------------------------------------------------------------ helpers

function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function key(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 2 < args.length + 1; i++) {
    if (args[i] === '-key' && args[i + 1] === name) return args[i + 2];
  }
  return undefined;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error('truth: missing ' + what);
  return v;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Call-IDs of a SIPp instance, in order of first appearance in its message trace. */
function sippCallIds(work: string, id: string): string[] {
  const file = join(work, id + '.short.log');
  if (!existsSync(file)) return [];
  const seen = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cid = line.split('\t', 5)[4];
    if (cid !== undefined && cid.length > 0) seen.add(cid);
  }
  return [...seen];
}

interface SippLine {
  dir: 'S' | 'R';
  callId: string;
  cseqNum: number;
  cseqMethod: string;
  /** Request method, or the status code as a string. */
  what: string;
}

/** The message trace of a SIPp instance (-trace_shortmsg): one line per message sent or received. */
function sippLines(work: string, id: string): SippLine[] {
  const file = join(work, id + '.short.log');
  if (!existsSync(file)) return [];
  const out: SippLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const c = line.split('\t');
    if (c.length < 7) continue;
    const cseq = /^CSeq:\s*(\d+)\s+(\S+)/.exec(c[5]!);
    const first = c[6]!;
    const resp = /^SIP\/2\.0\s+(\d{3})/.exec(first);
    out.push({
      dir: c[3] === 'S' ? 'S' : 'R',
      callId: c[4]!,
      cseqNum: cseq ? Number(cseq[1]) : 0,
      cseqMethod: cseq ? cseq[2]! : '',
      what: resp ? resp[1]! : first.slice(0, first.indexOf(' ')),
    });
  }
  return out;
}

class Wire {
  readonly byCall = new Map<string, WireMsg[]>();
  constructor(readonly msgs: WireMsg[]) {
    for (const m of msgs) {
      let list = this.byCall.get(m.callId);
      if (list === undefined) this.byCall.set(m.callId, (list = []));
      list.push(m);
    }
  }
  call(callId: string): WireMsg[] {
    const l = this.byCall.get(callId);
    if (l === undefined) throw new Error('truth: Call-ID not seen by the proxy: ' + callId);
    return l;
  }
  /** First request `method` (optionally CSeq number) the proxy received in this call. */
  firstRequest(callId: string, method: string, cseq?: number): WireMsg {
    const m = this.call(callId).find((x) => x.dir === 'rcv' && x.method === method && (cseq === undefined || x.cseqNum === cseq));
    if (m === undefined) throw new Error(`truth: no ${method} received in ${callId}`);
    return m;
  }
  /** First response with `status` for CSeq (num, method) seen on the wire (either direction). */
  firstResponse(callId: string, status: number, cseqMethod: string, cseq?: number): WireMsg {
    const m = this.call(callId).find((x) => x.status === status && x.cseqMethod === cseqMethod && (cseq === undefined || x.cseqNum === cseq));
    if (m === undefined) throw new Error(`truth: no ${status} to ${cseqMethod} in ${callId}`);
    return m;
  }
  /** Final response (>= 200) the proxy sent back to the client for request (num, method). */
  finalToClient(callId: string, client: WireMsg): WireMsg | undefined {
    return this.call(callId).find((x) => x.dir === 'snd' && x.status >= 200 && x.cseqNum === client.cseqNum &&
      x.cseqMethod === client.method && x.branch === client.branch && x.dst === client.src && x.dport === client.sport);
  }
}

// ------------------------------------------------------------------ event derivation

interface Ctx {
  work: string;
  wire: Wire;
  manifest: ManifestEntry[];
  t0: number;
  lastFrame: number;
  events: ExpectedEvent[];
  /** Time of the last OPTIONS ping that gave an event, per pinging instance. */
  keepalive: Map<string, number>;
}

function rel(ctx: Ctx, t: number): number {
  return round3(t - ctx.t0);
}

function client(m: WireMsg): { client_ip: string; client_port: number; server_ip: string } {
  return { client_ip: m.src, client_port: m.sport, server_ip: m.dst };
}

function push(ctx: Ctx, e: ExpectedEvent): void {
  ctx.events.push(e);
}

/** Expected events of one SIPp instance, by the definition of its scenario. */
function sippEvents(ctx: Ctx, e: ManifestEntry): void {
  const scn = need(e.scenario, 'scenario');
  if (scn.startsWith('uas-')) return; // callees: the caller's side of each dialog carries its events
  const user = key(e.args, 'user');
  const peer = key(e.args, 'peer');
  const cids = sippCallIds(ctx.work, e.id);
  if (cids.length === 0) throw new Error('truth: no SIPp trace for ' + e.id);
  for (const cid of cids) callEvents(ctx, e, scn, cid, user, peer);
}

/** Expected events of one SIPp call (one Call-ID) of scenario `scn`. */
function callEvents(ctx: Ctx, e: ManifestEntry, scn: string, cid: string, user: string | undefined, peer: string | undefined): void {
  const args = e.args;
  const w = ctx.wire;
  const callBase = (inv: WireMsg) => ({
    source: e.id, call_id: cid, from_user: user, to_user: peer, request_method: 'INVITE', ...client(inv),
  });

  switch (scn) {
    case 'register':
    case 'register-refresh':
    case 'register-star':
    case 'load-phone': {
      const reg = w.firstRequest(cid, 'REGISTER', 2);
      const ok = w.firstResponse(cid, 200, 'REGISTER', 2);
      const u = user ?? reg.toUser;
      const contact = key(args, 'contact') ?? reg.contact.replace(/^<|>$/g, '');
      const expires = Number(need(key(args, 'expires'), 'expires'));
      const aor = `sip:${u}@${PROXY_IP}`;
      push(ctx, { action: 'reg-new', t: rel(ctx, ok.time), source: e.id, call_id: cid, aor, contact, user: u, request_method: 'REGISTER', status: 200, ...client(reg) });
      if (scn === 'register') {
        const expiredAt = ok.time + expires + REG_GRACE_S;
        const horizon = ctx.lastFrame + END_ADVANCE_S;
        if (Math.abs(expiredAt - horizon) < 2) throw new Error(`truth: ${e.id} expires too close to the end of the run`);
        if (expiredAt <= horizon) {
          push(ctx, { action: 'reg-expired', t: rel(ctx, expiredAt), source: e.id, call_id: cid, aor, contact, user: u, ...client(reg) });
        }
      } else {
        const lastCseq = scn === 'register-refresh' ? 10 : scn === 'register-star' ? 4 : 28;
        const del = w.firstRequest(cid, 'REGISTER', lastCseq);
        const delOk = w.firstResponse(cid, 200, 'REGISTER', lastCseq);
        if (del.expires !== '0') throw new Error(`truth: ${e.id} last REGISTER is not Expires: 0`);
        push(ctx, { action: 'reg-del', t: rel(ctx, delOk.time), source: e.id, call_id: cid, aor, contact, user: u, request_method: 'REGISTER', status: 200, ...client(del) });
      }
      return;
    }
    case 'register-wrongpass': {
      const req = w.firstRequest(cid, 'REGISTER', 2);
      const rej = w.firstResponse(cid, 401, 'REGISTER', 2);
      push(ctx, { action: 'auth-failed', t: rel(ctx, rej.time), source: e.id, call_id: cid, user: need(argValue(args, '-au'), '-au'), from_user: user, to_user: user, aor: `sip:${user}@${PROXY_IP}`, request_method: 'REGISTER', status: 401, ...client(req) });
      return;
    }
    case 'uac-call':
    case 'uac-call-callee-bye': {
      const inv = w.firstRequest(cid, 'INVITE', 1);
      const ok = w.firstResponse(cid, 200, 'INVITE', 2);
      push(ctx, { action: 'call-start', t: rel(ctx, ok.time), status: 200, ...callBase(inv) });
      const bye = need(w.call(cid).find((x) => x.dir === 'rcv' && x.method === 'BYE'), 'BYE in ' + cid);
      let hold: number;
      let originator: 'caller' | 'callee';
      if (scn === 'uac-call') {
        originator = 'caller';
        hold = Number(need(argValue(args, '-d'), '-d')) / 1000;
      } else {
        originator = 'callee';
        const callee = ctx.manifest.find((m) => m.scenario === 'uas-answer-bye' && key(m.args, 'user') === peer);
        hold = Number(need(argValue(need(callee, 'callee of ' + e.id).args, '-d'), '-d')) / 1000;
      }
      // duration from the proxy's own receive times of the 200 and the BYE; the scenario's hold time
      // is its lower bound (a loaded machine may add some delay before the BYE)
      const measured = bye.time - ok.time;
      if (measured < hold - DURATION_TOLERANCE_S || measured > hold + HOLD_SLACK_S) {
        throw new Error(`truth: ${e.id} ${cid} lasted ${measured.toFixed(3)} s, defined ${hold} s`);
      }
      push(ctx, { action: 'call-end', t: rel(ctx, bye.time), originator, duration_s: round3(measured), duration_tolerance_s: DURATION_TOLERANCE_S, hold_s: hold, ...callBase(inv) });
      return;
    }
    case 'uac-call-486':
    case 'uac-call-404':
    case 'uac-call-408':
    case 'uac-call-cancel': {
      const status = scn === 'uac-call-cancel' ? 487 : Number(scn.slice('uac-call-'.length));
      const inv = w.firstRequest(cid, 'INVITE', 1);
      const fin = w.firstResponse(cid, status, 'INVITE', 2);
      push(ctx, { action: 'call-attempt', t: rel(ctx, fin.time), status, ...callBase(inv) });
      return;
    }
    case 'uac-call-pending': {
      const inv = w.firstRequest(cid, 'INVITE', 1);
      const inv2 = w.firstRequest(cid, 'INVITE', 2);
      if (w.call(cid).some((x) => x.status >= 200 && x.cseqNum === 2)) throw new Error('truth: the pending call got a final answer');
      // 100 Trying stops Timer B (RFC 3261 §17.1.1.2): the INVITE may still be answered for 180 s, longer than
      // the run plus the settle window, so it is still pending at the end and gives no event.
      void inv;
      void inv2;
      return;
    }
    case 'uac-call-wrongpass': {
      const inv = w.firstRequest(cid, 'INVITE', 1);
      const rej = w.firstResponse(cid, 407, 'INVITE', 2);
      push(ctx, { action: 'auth-failed', t: rel(ctx, rej.time), user: need(argValue(args, '-au'), '-au'), status: 407, ...callBase(inv) });
      return;
    }
    case 'uac-options': {
      // identical pings between the same two parties within 300 s: only the first is an event
      const req = w.firstRequest(cid, 'OPTIONS');
      const ok = w.firstResponse(cid, 200, 'OPTIONS');
      const last = ctx.keepalive.get(e.id);
      if (last !== undefined && req.time - last < KEEPALIVE_S) return;
      ctx.keepalive.set(e.id, req.time);
      push(ctx, { action: 'other-ok', t: rel(ctx, ok.time), source: e.id, call_id: cid, from_user: user, request_method: 'OPTIONS', status: 200, ...client(req) });
      return;
    }
    case 'uac-message-ok':
    case 'uac-message-404':
    case 'uac-subscribe-ok':
    case 'uac-subscribe-404': {
      const method = scn.startsWith('uac-message') ? 'MESSAGE' : 'SUBSCRIBE';
      const ok = scn.endsWith('-ok');
      const status = ok ? 200 : 404;
      const req = w.firstRequest(cid, method, 1);
      const fin = w.firstResponse(cid, status, method, 2);
      push(ctx, { action: ok ? 'other-ok' : 'other-failed', t: rel(ctx, fin.time), source: e.id, call_id: cid, from_user: user, to_user: peer, request_method: method, status, ...client(req) });
      return;
    }
    default:
      throw new Error('truth: no definition for scenario ' + scn);
  }
}

/** Targets of an svmap range argument like 127.0.0.2-127.0.0.10 (only that form is used). */
function svmapTargets(args: readonly string[]): string[] {
  const range = args[args.length - 1]!;
  const m = /^127\.0\.0\.(\d+)-127\.0\.0\.(\d+)$/.exec(range);
  if (!m) throw new Error('truth: unsupported svmap range ' + range);
  const out: string[] = [];
  for (let i = Number(m[1]); i <= Number(m[2]); i++) out.push('127.0.0.' + i);
  return out;
}

/**
 * Expected events of an attack tool. The tools keep no message log, so their requests and the
 * proxy's answers are taken from the proxy's sipdump (source address = the tool's address);
 * what each tool sends is described in the notes.
 */
function toolEvents(ctx: Ctx, e: ManifestEntry, extra: { deadProbes: number }): void {
  const tool = need(e.tool, 'tool');
  const w = ctx.wire;
  const fromTool = (pred: (m: WireMsg) => boolean) => w.msgs.filter((m) => m.dir === 'rcv' && m.time >= e.started - 1 && pred(m));
  const answered = (req: WireMsg) => w.finalToClient(req.callId, req);

  if (tool === 'svmap') {
    const targets = svmapTargets(e.args);
    const ip = need(argValue(e.args, '-b'), '-b');
    const sport = Number(need(argValue(e.args, '-P'), '-P'));
    for (const target of targets) {
      if (target === PROXY_IP) {
        const req = need(fromTool((m) => m.src === ip && m.method === 'OPTIONS' && m.userAgent === 'friendly-scanner')[0], 'svmap OPTIONS');
        const fin = need(answered(req), 'svmap answer');
        push(ctx, { action: 'other-ok', t: rel(ctx, fin.time), source: e.id, call_id: req.callId, from_user: req.fromUser, to_user: req.toUser, request_method: 'OPTIONS', status: fin.status, ...client(req) });
      } else {
        // nobody listens there: one OPTIONS, no answer (ICMP port unreachable is not captured)
        extra.deadProbes++;
        push(ctx, { action: 'other-timeout', t: -1, source: e.id, from_user: '100', to_user: '100', request_method: 'OPTIONS', client_ip: ip, client_port: sport, server_ip: target });
      }
    }
    return;
  }
  if (tool === 'svwar') {
    const ip = need(argValue(e.args, '-b'), '-b');
    const sport = Number(need(argValue(e.args, '-P'), '-P'));
    for (const req of fromTool((m) => m.src === ip && m.sport === sport && m.method === 'REGISTER' && m.userAgent === 'friendly-scanner')) {
      const fin = need(answered(req), 'svwar answer');
      if (fin.status === 401 || fin.status === 407) continue; // challenge of a request without credentials
      push(ctx, { action: 'other-failed', t: rel(ctx, fin.time), source: e.id, call_id: req.callId, from_user: req.fromUser, to_user: req.toUser, request_method: 'REGISTER', status: fin.status, ...client(req) });
    }
    return;
  }
  if (tool === 'svcrack') {
    const sport = Number(need(argValue(e.args, '-P'), '-P'));
    const user = need(argValue(e.args, '-u'), '-u');
    const ip = need(argValue(e.args, '-b'), '-b');
    for (const req of fromTool((m) => m.src === ip && m.sport === sport && m.method === 'REGISTER' && m.authUser !== '')) {
      const fin = need(answered(req), 'svcrack answer');
      if (fin.status === 200) {
        push(ctx, { action: 'reg-new', t: rel(ctx, fin.time), source: e.id, call_id: req.callId, aor: `sip:${user}@${PROXY_IP}`, contact: req.contact, user, request_method: 'REGISTER', status: 200, ...client(req) });
      } else {
        push(ctx, { action: 'auth-failed', t: rel(ctx, fin.time), source: e.id, call_id: req.callId, user: req.authUser, from_user: req.fromUser, to_user: req.toUser, request_method: 'REGISTER', status: fin.status, ...client(req) });
      }
    }
    return;
  }
  if (tool === 'sipsak') {
    const ip = need(argValue(e.args, '-k'), '-k');
    const sipsakReqs = fromTool((m) => m.src === ip && m.time <= e.started + 30);
    if (e.args.includes('-U')) {
      // usrloc mode: REGISTER, 401, REGISTER with credentials, 200 (one new binding)
      const req = need(sipsakReqs.find((m) => m.method === 'REGISTER' && m.authUser !== ''), 'sipsak REGISTER');
      const fin = need(answered(req), 'sipsak answer');
      const user = req.toUser;
      // user.name is the digest username as sent (sipsak sends "1015@"; Kamailio strips the '@' itself).
      push(ctx, { action: 'reg-new', t: rel(ctx, fin.time), source: e.id, call_id: req.callId, aor: `sip:${user}@${PROXY_IP}`, contact: req.contact.replace(/^<|>$/g, ''), user: req.authUser || user, request_method: 'REGISTER', status: fin.status, ...client(req) });
    } else {
      const req = need(sipsakReqs.find((m) => m.method === 'OPTIONS'), 'sipsak OPTIONS');
      const fin = need(answered(req), 'sipsak answer');
      push(ctx, { action: 'other-ok', t: rel(ctx, fin.time), source: e.id, call_id: req.callId, from_user: req.fromUser, request_method: 'OPTIONS', status: fin.status, ...client(req) });
    }
    return;
  }
  throw new Error('truth: no definition for tool ' + tool);
}

// ------------------------------------------------------------------ notes

const NOTES: Record<string, string[]> = {
  common: [
    'counts: every SIP message on the wire. All of them were sent to or by the Kamailio proxy (127.0.0.10) and are taken from its sipdump records (retransmissions included), plus the messages SIPp phones logged as sent over UDP that the kernel dropped before the proxy read them (crosschecks.lost_before_proxy, only under load); svmap probes to addresses where nothing listens are added from the scan definition (one OPTIONS per address, never retransmitted). tshark_messages is tshark\'s own count of the capture.',
    'retransmissions: messages identical on the same hop (same sender, receiver, start line, Call-ID, CSeq, top Via branch and tags) to one seen before.',
    'Proxied dialogs: the capture sees caller->proxy and proxy->callee legs with the same Call-ID and tags; they are ONE dialog and give one set of events. client_ip/client_port is the original caller (first hop), server_ip the proxy.',
    'Challenges: every INVITE/MESSAGE/SUBSCRIBE is first sent without credentials and answered 407 (REGISTER: 401); that first challenge is never an event. Wrong credentials are re-challenged with 401/407 (never stale=true), which is the auth-failed event; an INVITE whose credentials fail gives auth-failed only (a challenge is not a call-attempt).',
    'call-end duration_s: BYE minus the first 200 OK to the INVITE, both as received by the proxy (the capture clock agrees within duration_tolerance_s); hold_s is the pause the scenario defines between ACK and BYE.',
    't: seconds since the first captured frame, from the proxy clock (about a millisecond off the capture); reg-expired and timeouts use the rule times (expiry + 30 s grace; end of capture + 32 s). t = -1 means "no message marks it" (svmap probes with no answer).',
    'Callees register from port 5070 of their own address with Contact pointing at port 5060 where their SIPp answers calls; those bindings (Expires 3600) are still alive at the end: reg-new only.',
  ],
  legit: [
    'call-noanswer: the callee rings and never answers; the proxy\'s fr_inv_timer (6 s) ends the INVITE with 408 to the caller and CANCEL to the callee (200, 487, ACK on that leg). A final 408 was seen, so it is a call-attempt with status 408 WITHOUT timeout: true.',
    'call-pending: the callee (user 1039) only answers 100 Trying; the proxy keeps that transaction for 120 s and the run ends first. A provisional reply (100 included) stops Timer B, and the final may still come within 180 s of it, beyond the run plus the 32 s settle window: no event, the INVITE is still pending at the end.',
    'call-slow: the callee withholds every reply for 2.5 s, so the proxy retransmits its INVITE (timer A) before 180/200; the caller itself stops retransmitting on the proxy\'s 100 Trying. message-ok: the callee withholds its 200 for 2.5 s, so both the sender and the proxy retransmit the MESSAGE.',
    'options: three identical OPTIONS pings (one per second, each its own Call-ID) from the same phone to the proxy: the first is other-ok, the next two are keep-alives (no event).',
    'reg-refresh: Expires 10, refreshed three times 5 s apart on the same Call-ID (absorbed, each refresh is challenged first) and removed with Expires: 0 (reg-del). reg-star: removed with Contact: * (reg-del). reg-expire: Expires 5, never refreshed: reg-expired at 200 OK + 5 s + 30 s grace, which is before the end of the run + 32 s.',
    'subscribe-ok: the callee sends NOTIFY inside the subscription dialog (through the proxy\'s Record-Route); in-dialog requests never give events.',
  ],
  attack: [
    'svmap (UA friendly-scanner, from 127.0.0.66:5060): one OPTIONS sip:100@<target> to each of 127.0.0.2-127.0.0.10; only the proxy answers (200, other-ok); the other eight probes get no SIP answer (other-timeout after 32 s, resolved at the end of the replay; no Call-ID is known for them).',
    'svwar (from 127.0.0.66:5061): REGISTER for one random numeric extension, then each extension of its range (attack run 1000-1050, load run 7000-7999). Existing users (1000-1039, 2000-5999) are challenged 401 (challenge of a request without credentials: no event); unknown extensions get 404 (REGISTER without binding change, final >= 300: other-failed).',
    'svcrack (from 127.0.0.66:5062) against 1030 with a word list whose last word is the password (attack run 6 words, load run 100): one REGISTER without credentials (401, no event), then one REGISTER per word with credentials. All of them share the first request\'s Call-ID and CSeq 2 but each has its own Via branch and nonce: they are distinct transactions, not retransmissions. Wrong words are re-challenged 401 (auth-failed); the right one gets 200 and creates the binding sip:123@1.1.1.1 (svcrack\'s fixed Contact; the proxy never sends anything there), which is reg-new.',
    'sipsak (from 127.0.0.65): an OPTIONS ping to the proxy (other-ok) and, in the attack run, a usrloc-mode registration of 1015 with its password (REGISTER, 401, REGISTER with credentials, 200: reg-new; Expires 120, alive at the end).',
  ],
  load: [
    'phones-N: one SIPp call per phone (users 2000-5999): REGISTER, 401, REGISTER with credentials, 200 (reg-new), then 12 refreshes 10 s apart on the same Call-ID, each challenged first (absorbed), then Expires: 0 (reg-del).',
    'pinger-N: one fixed identity per instance pinging the proxy 20 times a second, each ping its own Call-ID: the first ping of each instance is other-ok, the rest are keep-alives (the run is shorter than 300 s).',
    'calls / calls-busy: answered calls 1020 -> 1001 (hold 2 s, call-start + call-end) and busy calls 1022 -> 1002 (call-attempt 486), all through the proxy.',
  ],
};

// ------------------------------------------------------------------ main

export function buildTruth(run: string, work: string, pcap: string): Truth {
  const manifest: ManifestEntry[] = readFileSync(join(work, 'manifest.jsonl'), 'utf8')
    .split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as ManifestEntry);
  const msgs = readSipdump(work);
  const { counts: ts, span } = analyzeCapture(pcap);
  const ctx: Ctx = { work, wire: new Wire(msgs), manifest, t0: span.first, lastFrame: span.last, events: [], keepalive: new Map() };

  const extra = { deadProbes: 0 };
  for (const e of manifest) {
    if (e.scenario !== undefined) sippEvents(ctx, e);
    else toolEvents(ctx, e, extra);
  }
  ctx.events.sort((a, b) => (a.t < 0 ? Infinity : a.t) - (b.t < 0 ? Infinity : b.t) || a.source.localeCompare(b.source));

  // counts: the proxy's records ...
  const requests: Record<string, number> = {};
  const responses: Record<string, number> = {};
  const add = (what: string, n: number) => {
    if (/^\d{3}$/.test(what)) responses[what] = (responses[what] ?? 0) + n;
    else requests[what] = (requests[what] ?? 0) + n;
  };
  const seen = new Set<string>();
  let retransmissions = 0;
  for (const m of msgs) {
    add(m.method || String(m.status), 1);
    const k = hopKey(m);
    if (seen.has(k)) retransmissions++;
    else seen.add(k);
  }
  let total = msgs.length;
  // ... plus svmap probes to silent addresses ...
  if (extra.deadProbes > 0) {
    add('OPTIONS', extra.deadProbes);
    total += extra.deadProbes;
  }
  // ... plus messages a SIPp instance sent over UDP that never reached the proxy's socket (dropped by
  // the kernel when the proxy's receive queue was full: on the wire, so in the capture, but not in
  // the proxy's records). A SIPp trace line and a proxy record match on sender, Call-ID, CSeq and
  // start line; each copy beyond the first is a retransmission.
  const rcvByKey = new Map<string, number>();
  const sndByKey = new Map<string, number>();
  for (const m of msgs) {
    const k = [m.dir === 'rcv' ? m.src : m.dst, m.dir === 'rcv' ? m.sport : m.dport, m.callId, m.cseqNum, m.cseqMethod, m.method || String(m.status)].join('|');
    const map = m.dir === 'rcv' ? rcvByKey : sndByKey;
    map.set(k, (map.get(k) ?? 0) + 1);
  }
  const sipp: Record<string, { sent: number; received: number; proxy_received: number; proxy_sent: number; lost_before_proxy: number; exit: string }> = {};
  let lostBeforeProxy = 0;
  let sippBad = false;
  for (const e of manifest) {
    if (e.scenario === undefined || e.ip === undefined) continue;
    const tcp = e.transport === 'tcp';
    const sentByKey = new Map<string, { n: number; what: string }>();
    const recvByKey = new Map<string, number>();
    let sent = 0;
    let received = 0;
    for (const l of sippLines(work, e.id)) {
      const k = [e.ip, e.port, l.callId, l.cseqNum, l.cseqMethod, l.what].join('|');
      if (l.dir === 'S') {
        sent++;
        const cur = sentByKey.get(k);
        if (cur) cur.n++;
        else sentByKey.set(k, { n: 1, what: l.what });
      } else {
        received++;
        recvByKey.set(k, (recvByKey.get(k) ?? 0) + 1);
      }
    }
    let proxyReceived = 0;
    let proxySent = 0;
    let lost = 0;
    for (const [k, { n, what }] of sentByKey) {
      const p = tcp ? n : rcvByKey.get(k) ?? 0;
      proxyReceived += p;
      if (n > p) {
        lost += n - p;
        add(what, n - p);
        retransmissions += p > 0 ? n - p : n - p - 1;
      } else if (p > n) {
        sippBad = true;
      }
    }
    for (const [k, n] of recvByKey) {
      const p = tcp ? n : sndByKey.get(k) ?? 0;
      proxySent += Math.min(n, p);
      if (n > p) sippBad = true;
    }
    lostBeforeProxy += lost;
    total += lost;
    const rcFile = join(work, e.id + '.rc');
    sipp[e.id] = { sent, received, proxy_received: proxyReceived, proxy_sent: proxySent, lost_before_proxy: lost, exit: existsSync(rcFile) ? readFileSync(rcFile, 'utf8').trim() : '?' };
  }
  const countsEqual = ts.total === total &&
    JSON.stringify(ts.requests) === JSON.stringify(sortedRecord(requests)) &&
    JSON.stringify(ts.responses) === JSON.stringify(sortedRecord(responses));

  const eventCounts: Record<string, number> = {};
  for (const ev of ctx.events) eventCounts[ev.action] = (eventCounts[ev.action] ?? 0) + 1;
  const kinds = Object.keys(eventCounts).sort();
  const hasTools = manifest.some((m) => m.tool !== undefined);
  const notes = [...NOTES.common!, ...(run === 'load' ? NOTES.load! : NOTES.legit!), ...(hasTools ? NOTES.attack! : [])];
  if (manifest.some((m) => m.transport === 'tcp')) {
    notes.push('TCP: one connection per phone (SIPp -t t1); TCP is reliable, so neither SIPp nor the proxy retransmits SIP over it (the slow callees only delay their answer). Several SIP messages may share one TCP segment; counts are per SIP message.');
  }

  return {
    run,
    generated_by: 'lab/src/truth.ts from Kamailio sipdump records, the run manifest, SIPp traces and the scenario definitions',
    sources: ['kamailio sipdump (lab/kamailio/kamailio.cfg)', 'SIPp -trace_shortmsg/-trace_msg/-trace_stat', 'lab/scenarios/*.xml', 'lab/runs.sh'],
    capture: { file: run + '.pcap', frames: span.frames, duration_s: round3(span.last - span.first) },
    counts: {
      total,
      requests: sortedRecord(requests),
      responses: sortedRecord(responses),
      retransmissions,
      tshark_messages: ts.total,
      tshark_counts_equal: countsEqual,
    },
    events: ctx.events,
    event_counts: sortedRecord(eventCounts),
    expected_event_kinds: kinds,
    crosschecks: { sipp_traces_consistent: !sippBad, lost_before_proxy: lostBeforeProxy, sipp_instances: sipp },
    notes,
  };
}

function main(): void {
  const [run, work, pcap, out] = process.argv.slice(2);
  if (run === undefined || work === undefined || pcap === undefined || out === undefined) {
    process.stderr.write('usage: node dist/lab/src/truth.js NAME WORKDIR PCAP OUT.json\n');
    process.exit(2);
  }
  const truth = buildTruth(run, work, pcap);
  writeFileSync(out, JSON.stringify(truth, null, 2) + '\n');
  const c = truth.counts;
  process.stderr.write(`truth: ${c.total} SIP messages (${c.retransmissions} retransmissions), tshark ${c.tshark_messages}, ` +
    `${truth.events.length} events ${JSON.stringify(truth.event_counts)}\n`);
  let bad = false;
  if (!c.tshark_counts_equal) {
    process.stderr.write('truth: MISMATCH between the proxy records and tshark counts\n');
    bad = true;
  }
  if (truth.crosschecks['sipp_traces_consistent'] !== true) {
    process.stderr.write('truth: a SIPp trace holds fewer messages than the proxy exchanged with it\n');
    bad = true;
  }
  if (bad) process.exit(3);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
