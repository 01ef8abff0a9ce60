import type { Counters } from '../base/counters.js';
import { TimerQueue } from '../base/timer-queue.js';
import type { SipPayload } from '../decode/sip-payload.js';
import type { SipMessage } from '../sip/message.js';
import { Binding } from './binding.js';
import { Call, CallState } from './call.js';
import { HeldReply } from './held-reply.js';
import { KeepaliveTable } from './keepalives.js';
import { MessageTrace } from './message-trace.js';
import type { TrackOptions } from './options.js';
import { Registrations } from './registrations.js';
import { TrackEvent, type Endpoint, type EventAction } from './track-event.js';
import { Tracked, TrackedKind } from './tracked.js';
import { Copy, Transaction, TxState, TxTimer, type RegisterRequest } from './transaction.js';
import { userOf } from './uri-keys.js';
import { transactionEvent } from './transaction-event.js';
import { TransactionTable } from './transaction-table.js';

const S = 1_000_000; // µs per second

/** Requests that only exist inside an INVITE dialog: seeing one for an unknown dialog means a call we joined late. */
const INVITE_DIALOG_METHODS = new Set(['BYE', 'INVITE', 'UPDATE', 'PRACK', 'INFO', 'REFER', 'ACK']);

export interface TrackSummary {
  activeCalls: number;
  activeBindings: number;
  pendingTransactions: number;
  /** Up to `SUMMARY_LIST` examples of each: Call-IDs of calls still up, "AoR contact" of live bindings, pending requests. */
  calls: string[];
  bindings: string[];
  pending: string[];
}

const SUMMARY_LIST = 20;

/**
 * Observes SIP messages in packet-time order and states the outcomes operators care about:
 * transactions (RFC 3261 §17), INVITE dialogs (§12, §13, §15), registrations (§10) and
 * authentication (§22). Retransmissions, proxy-leg copies, in-dialog traffic and first challenges
 * are absorbed. All timing comes from packet timestamps.
 */
export class Tracker {
  private readonly txns = new TransactionTable();
  private readonly calls = new Map<string, Call>();
  private readonly regs: Registrations;
  private readonly keepalives: KeepaliveTable;
  /** Call-ID → CSeq of a challenge not yet followed by a request with credentials. */
  private readonly challenges = new Map<string, number>();
  private readonly timers: TimerQueue<Tracked>;
  private readonly o: TrackOptions;
  /** Replies waiting for their request, by Call-ID, in arrival order. */
  private readonly held = new Map<string, HeldReply[]>();
  private heldCount = 0;
  nowUs = 0;

  constructor(
    opts: TrackOptions,
    private readonly counters: Counters,
    private readonly emit: (e: TrackEvent) => void,
  ) {
    // A copy: reconfigure() changes it in place for every part of the tracker at once.
    this.o = { ...opts };
    this.timers = new TimerQueue<Tracked>((t, due) => this.fire(t, due));
    this.keepalives = new KeepaliveTable(opts.keepaliveWindow * S, opts.maxKeepalives);
    this.regs = new Registrations(this.o, counters, this.timers, emit);
  }

  /**
   * New timers and table caps (SIGHUP), keeping every transaction, call and binding. Each duration
   * applies from the next time it is used: timers already armed keep their due times, and a call's
   * silence timer takes the new call timeout at its next message. A lowered cap stops new tracking
   * until the table has drained below it; nothing tracked is dropped. Returns the settings that
   * only a restart applies (the keep-alive table's size).
   */
  reconfigure(next: TrackOptions): string[] {
    const restart = next.maxKeepalives !== this.o.maxKeepalives ? ['track.maxKeepalives'] : [];
    Object.assign(this.o, next, { maxKeepalives: this.o.maxKeepalives });
    this.keepalives.windowUs = next.keepaliveWindow * S;
    return restart;
  }

  /** Moves packet time forward, firing every timer due by then. Time never goes back. */
  advance(tsUs: number): void {
    if (tsUs <= this.nowUs) return;
    this.nowUs = tsUs;
    this.timers.advance(tsUs);
  }

  /** End of input: let pending outcomes resolve within the settle window, then report what is still alive. */
  finish(settleUs: number): TrackSummary {
    this.advance(this.nowUs + settleUs);
    const calls: string[] = [];
    let activeCalls = 0;
    for (const c of this.calls.values()) {
      if (c.state !== CallState.Confirmed) continue;
      if (activeCalls++ < SUMMARY_LIST) calls.push(c.callId);
    }
    const pending: string[] = [];
    let pendingTransactions = 0;
    for (const t of this.txns.values()) {
      if (t.decided) continue;
      if (pendingTransactions++ < SUMMARY_LIST) pending.push(`${t.method} ${t.callId}`);
    }
    return { activeCalls, activeBindings: this.regs.size, pendingTransactions, calls, bindings: this.regs.sample(SUMMARY_LIST), pending };
  }

  /** Active calls and bindings, for summaries and the API. */
  get tables(): { transactions: number; calls: number; bindings: number; keepalives: number } {
    return { transactions: this.txns.size, calls: this.calls.size, bindings: this.regs.size, keepalives: this.keepalives.size };
  }

  /** Calls not yet ended or failed (early and confirmed dialogs), for the API; read, never modify. */
  *liveCalls(): IterableIterator<Call> {
    for (const c of this.calls.values()) if (c.state === CallState.Early || c.state === CallState.Confirmed) yield c;
  }

  /** Current registration bindings, for the API; read, never modify. */
  liveBindings(): IterableIterator<Binding> {
    return this.regs.values();
  }

  // ---------------------------------------------------------------- packet-level facts

  /** A non-SIP payload on a SIP flow (not a keep-alive): `msg-probe`. */
  onProbe(p: SipPayload): void {
    this.advance(p.tsUs);
    const e = this.packetEvent('msg-probe', p);
    e.bytes = p.end - p.start;
    e.payloadPrefix = p.buf.toString('hex', p.start, Math.min(p.end, p.start + 16));
    this.emit(e);
  }

  /** A payload that starts like SIP but does not parse: `parse-error`, with what could be read. */
  onParseError(p: SipPayload, m: SipMessage): void {
    this.advance(p.tsUs);
    const e = this.packetEvent('parse-error', p);
    const err = m.error!;
    e.errorCode = err.code;
    e.errorMessage = err.reason;
    e.errorOffset = err.offset;
    e.callId = m.callId;
    if (m.isRequest && m.method) e.method = m.method;
    if (!m.isRequest && m.status > 0) e.status = m.status;
    e.userAgent = m.userAgent;
    this.emit(e);
  }

  private packetEvent(action: EventAction, p: SipPayload): TrackEvent {
    const e = new TrackEvent(action, p.tsUs);
    e.client = { ip: p.srcIp, port: p.srcPort };
    e.server = { ip: p.dstIp, port: p.dstPort };
    e.transport = p.transport;
    e.encap = p.encap;
    return e;
  }

  // ---------------------------------------------------------------- messages

  /** A parsed SIP message (no parse error). */
  onMessage(p: SipPayload, m: SipMessage): void {
    this.advance(p.tsUs);
    const callId = m.callId;
    const cseq = m.cseq;
    if (callId === null || cseq === null) {
      this.counters.inc('track.untrackable');
      return;
    }
    if (m.isRequest) {
      const list = this.heldCount > 0 ? this.held.get(callId) : undefined;
      if (list === undefined) return this.onRequest(p, m, callId, cseq.num);
      // A later request from the same side (same From tag, CSeq not lower) proves the requests of the
      // held replies it does not answer were lost: those replies go on first, as captured. The others keep waiting.
      const key = `${callId}\u0000${cseq.num}\u0000${m.method}`;
      const fromTag = m.from?.tag ?? null;
      const mine: HeldReply[] = [];
      const keep: HeldReply[] = [];
      for (const h of list) {
        if (h.key === key) mine.push(h);
        else if ((h.msg.from?.tag ?? null) === fromTag && (h.msg.cseq!.num < cseq.num || (h.msg.cseq!.num === cseq.num && m.method === 'ACK'))) this.releaseHeld(h);
        else keep.push(h);
      }
      this.held.delete(callId);
      this.onRequest(p, m, callId, cseq.num);
      for (const h of mine) {
        this.counters.inc('track.replies_reordered');
        this.releaseHeld(h);
      }
      // Replies queued only to keep their order can go once nothing before them is still waiting.
      let i = 0;
      while (i < keep.length && this.hasRequestOf(keep[i]!)) this.releaseHeld(keep[i++]!);
      if (i < keep.length) this.held.set(callId, i === 0 ? keep : keep.slice(i));
    } else {
      this.onResponse(p, m, callId, cseq.num, cseq.method);
    }
  }

  /** Whether the request a held reply answers has its transaction now. */
  private hasRequestOf(h: HeldReply): boolean {
    const cseq = h.msg.cseq!;
    return this.txns.has(h.msg.callId!, cseq.num, cseq.method);
  }

  private releaseHeld(h: HeldReply): void {
    this.timers.disarm(h);
    this.heldCount--;
    const cseq = h.msg.cseq!;
    this.onResponse(h.payload, h.msg, h.msg.callId!, cseq.num, cseq.method, true);
  }

  /** Nobody claimed a held reply in time: it and the replies held before it go on as captured. */
  private fireHeld(h: HeldReply): void {
    const callId = h.msg.callId!;
    const list = this.held.get(callId);
    if (list === undefined) return;
    const i = list.indexOf(h);
    const due = list.splice(0, i + 1);
    if (list.length === 0) this.held.delete(callId);
    for (const x of due) this.releaseHeld(x);
  }

  private onRequest(p: SipPayload, m: SipMessage, callId: string, cseq: number): void {
    const method = m.method;
    const toTag = m.to?.tag ?? null;
    if (m.credentials !== null) this.noteRetry(callId);
    if (method === 'ACK') return this.onAck(p, m, callId, cseq);
    if (method === 'CANCEL') return this.onCancel(p, m, callId, cseq);
    if (toTag !== null) return this.onInDialogRequest(p, m, callId, cseq, toTag);
    if (method === 'INVITE') return this.onInitialInvite(p, m, callId, cseq);
    this.onOutOfDialogRequest(p, m, callId, cseq);
  }

  /**
   * Finds the transaction of a request or creates it. Returns null for a retransmission (same hop and
   * branch as a copy already seen) or a copy on another proxy hop, both absorbed.
   */
  private newTransaction(p: SipPayload, m: SipMessage, callId: string, cseq: number, call: Call | null, trace: MessageTrace | null): Transaction | null {
    const method = m.method;
    const branch = m.topVia?.branch ?? '';
    const existing = this.txns.get(callId, cseq, method);
    if (existing !== undefined) {
      let newBranchSameHop = false;
      for (const c of existing.requests) {
        if (!c.sameHop(p.srcIp, p.srcPort, p.dstIp, p.dstPort)) continue;
        if (c.tag === branch) {
          // RFC 3261 §17.2.3: a request matching the branch and sent-by of a transaction is a retransmission.
          this.counters.inc('track.retransmissions.request');
          if (c === existing.requests[0] && existing.requestHandle >= 0) existing.trace.retransmitted(existing.requestHandle);
          return null;
        }
        newBranchSameHop = true;
      }
      if (!newBranchSameHop) {
        if (existing.requests.length < 8) existing.requests.push(new Copy(p.srcIp, p.srcPort, p.dstIp, p.dstPort, branch, 0, -1));
        this.counters.inc('track.leg_copies');
        return null;
      }
      // Same hop, new branch, same CSeq: a new transaction (RFC 3261 §8.1.1.7) from a UA that does not
      // increment CSeq (password guessers do this); it supersedes the old one under the same key.
      this.counters.inc('track.cseq_reused');
      this.txns.delete(existing);
    }
    if (this.txns.size >= this.o.maxTransactions) {
      this.counters.inc('track.transaction_table_full');
      return null;
    }
    const cred = m.credentials;
    const from = m.from;
    const to = m.to;
    const t = new Transaction(
      callId, cseq, method, p.tsUs,
      { ip: p.srcIp, port: p.srcPort }, { ip: p.dstIp, port: p.dstPort },
      p.transport, p.encap,
      from?.uri ?? null, from?.tag ?? null, to?.uri ?? null, to?.tag ?? null,
      m.requestUri, m.userAgent, m.pai?.uri ?? null,
      cred?.username ?? null, cred?.realm ?? null, cred !== null,
      call, trace ?? new MessageTrace(12),
    );
    t.requests.push(new Copy(p.srcIp, p.srcPort, p.dstIp, p.dstPort, branch, 0, -1));
    this.txns.set(t);
    this.counters.inc('track.transactions');
    this.timers.arm(t, p.tsUs + this.o.transactionTimeout * S);
    return t;
  }

  private onInitialInvite(p: SipPayload, m: SipMessage, callId: string, cseq: number): void {
    const fromTag = m.from?.tag ?? '';
    const key = `${callId}\u0000${fromTag}`;
    let call = this.calls.get(key);
    if (call === undefined) {
      if (this.calls.size >= this.o.maxCalls) {
        this.counters.inc('track.call_table_full');
        return;
      }
      call = new Call(
        key, callId, fromTag, { ip: p.srcIp, port: p.srcPort }, { ip: p.dstIp, port: p.dstPort },
        p.transport, p.encap, m.from?.uri ?? null, m.to?.uri ?? null, m.requestUri, m.userAgent,
        m.pai?.uri ?? null, m.contacts[0]?.uri ?? null,
      );
      call.firstInviteUs = p.tsUs;
      this.calls.set(key, call);
      this.counters.inc('track.calls');
    } else if (call.state === CallState.Confirmed || call.state === CallState.Ended) {
      // A second initial INVITE for a dialog already set up: a late copy, nothing new.
      this.counters.inc('track.invite_after_dialog');
      return;
    }
    const t = this.newTransaction(p, m, callId, cseq, call, call.trace);
    if (t === null) return;
    t.requestHandle = call.trace.add('>INVITE');
    if (call.state === CallState.Failed) {
      // A new attempt on the same Call-ID after a failure (e.g. after a 3xx redirect, RFC 3261 §8.1.3.4).
      call.state = CallState.Early;
      call.cancelled = false;
    }
    call.invite = t;
    call.lastActivityUs = p.tsUs;
    if (t.hasCredentials) call.authUser = t.authUser;
    this.timers.disarm(call);
  }

  private onOutOfDialogRequest(p: SipPayload, m: SipMessage, callId: string, cseq: number): void {
    const t = this.newTransaction(p, m, callId, cseq, null, null);
    if (t === null) return;
    t.requestHandle = t.trace.add('>' + m.method);
    if (m.method === 'REGISTER') t.reg = registerRequestOf(m);
  }

  private onCancel(p: SipPayload, m: SipMessage, callId: string, cseq: number): void {
    const call = this.calls.get(`${callId}\u0000${m.from?.tag ?? ''}`) ?? null;
    if (call === null) this.counters.inc('track.orphan_cancel');
    const t = this.newTransaction(p, m, callId, cseq, call, call?.trace ?? null);
    if (t === null) return;
    t.requestHandle = t.trace.add('>CANCEL');
    if (call !== null) {
      call.cancelled = true;
      call.lastActivityUs = p.tsUs;
    }
  }

  /** ACK: part of the INVITE transaction for a non-2xx final (RFC 3261 §17.1.1.3), in-dialog for a 2xx (§13.2.2.4). */
  private onAck(p: SipPayload, m: SipMessage, callId: string, cseq: number): void {
    const t = this.txns.get(callId, cseq, 'INVITE');
    const call = t?.call ?? this.findCall(callId, m).call;
    if (call === null) {
      this.counters.inc('track.orphan_ack');
      return;
    }
    call.lastActivityUs = p.tsUs;
    if (t === undefined) return;
    const acks = (t.acks ??= []);
    for (const c of acks) {
      if (c.sameHop(p.srcIp, p.srcPort, p.dstIp, p.dstPort)) {
        this.counters.inc('track.retransmissions.request');
        if (c.handle >= 0) call.trace.retransmitted(c.handle);
        return;
      }
    }
    const handle = t.ackHandle < 0 ? call.trace.add(this.dirOfRequest(call, m) + 'ACK') : -1;
    if (handle >= 0) t.ackHandle = handle;
    if (acks.length < 8) acks.push(new Copy(p.srcIp, p.srcPort, p.dstIp, p.dstPort, '', 0, handle));
  }

  /** The call a message with both tags belongs to, whichever side sent it. */
  private findCall(callId: string, m: SipMessage): { call: Call | null; fromCaller: boolean } {
    const fromTag = m.from?.tag ?? '';
    const c1 = this.calls.get(`${callId}\u0000${fromTag}`);
    if (c1 !== undefined) return { call: c1, fromCaller: true };
    const toTag = m.to?.tag;
    if (toTag) {
      const c2 = this.calls.get(`${callId}\u0000${toTag}`);
      if (c2 !== undefined) return { call: c2, fromCaller: false };
    }
    return { call: null, fromCaller: true };
  }

  private dirOfRequest(call: Call, m: SipMessage): string {
    return (m.from?.tag ?? '') === call.callerTag ? '>' : '<';
  }

  private onInDialogRequest(p: SipPayload, m: SipMessage, callId: string, cseq: number, toTag: string): void {
    let { call, fromCaller } = this.findCall(callId, m);
    if (call === null) {
      if (!INVITE_DIALOG_METHODS.has(m.method)) {
        // Requests inside SUBSCRIBE/NOTIFY or other non-call dialogs: absorbed, but tracked so their replies are too.
        const t = this.newTransaction(p, m, callId, cseq, null, null);
        if (t !== null) t.decided = true;
        this.counters.inc('track.in_dialog_absorbed');
        return;
      }
      // Joined mid-call: the dialog exists though we never saw it start.
      if (this.calls.size >= this.o.maxCalls) {
        this.counters.inc('track.call_table_full');
        return;
      }
      const fromTag = m.from?.tag ?? '';
      call = new Call(
        `${callId}\u0000${fromTag}`, callId, fromTag, { ip: p.srcIp, port: p.srcPort }, { ip: p.dstIp, port: p.dstPort },
        p.transport, p.encap, m.from?.uri ?? null, m.to?.uri ?? null, null, m.userAgent, null, null,
      );
      call.toTag = toTag;
      call.state = CallState.Confirmed;
      call.partial = true;
      this.calls.set(call.key, call);
      this.counters.inc('track.calls_partial');
      fromCaller = true;
    }
    const t = this.newTransaction(p, m, callId, cseq, call, call.trace);
    if (t === null) return;
    t.decided = true; // in-dialog transactions state no outcome of their own
    t.requestHandle = call.trace.add((fromCaller ? '>' : '<') + m.method);
    call.lastActivityUs = p.tsUs;
    const se = m.sessionExpires;
    if (se !== null && se > 0) call.sessionExpires = se;
    if (m.method === 'BYE') return this.onBye(p, m, call, fromCaller);
    if (call.state === CallState.Early && m.method === 'INVITE') {
      // A re-INVITE proves the 2xx we missed: the call is up, its start unknown (RFC 3261 §14).
      call.state = CallState.Confirmed;
      call.partial = true;
      call.toTag = fromCaller ? toTag : (m.from?.tag ?? null);
    }
    if (call.state === CallState.Confirmed) this.armCallTimeout(call, p.tsUs);
  }

  /** RFC 3261 §15: either side ends the call with BYE; the call ends when the BYE is sent. */
  private onBye(p: SipPayload, m: SipMessage, call: Call, fromCaller: boolean): void {
    if (call.byeSeen || call.state === CallState.Failed || call.state === CallState.Ended) {
      this.counters.inc('track.bye_absorbed');
      return;
    }
    const e = this.callEvent('call-end', p.tsUs, call);
    if (call.state === CallState.Confirmed && call.startUs >= 0) {
      e.startUs = call.startUs;
      e.endUs = p.tsUs;
    } else {
      e.partial = true;
    }
    e.originator = call.partial && call.startUs < 0 && call.invite === null ? null : fromCaller ? 'caller' : 'callee';
    if (call.invite === null && call.partial) {
      // Without the INVITE we cannot tell who called: the BYE's sender is reported as the client.
      e.client = { ip: p.srcIp, port: p.srcPort };
      e.server = { ip: p.dstIp, port: p.dstPort };
    }
    call.byeSeen = true;
    call.state = CallState.Ended;
    this.emit(e);
    this.timers.arm(call, p.tsUs + this.o.linger * S);
  }

  private armCallTimeout(call: Call, nowUs: number): void {
    let timeout = this.o.callTimeout;
    // RFC 4028 §10: without a refresh by the session expiry the session is over; never time out earlier than that.
    if (call.sessionExpires > 0) timeout = Math.max(timeout, call.sessionExpires + this.o.linger);
    call.silenceDueUs = nowUs + timeout * S;
    if (call.timerDue < 0 || call.timerDue > call.silenceDueUs) this.timers.arm(call, call.silenceDueUs);
  }

  // ---------------------------------------------------------------- responses

  private onResponse(p: SipPayload, m: SipMessage, callId: string, cseq: number, method: string, heldOut = false): void {
    let t = this.txns.get(callId, cseq, method);
    if (!heldOut && this.o.replyHold > 0 && method !== 'ACK') {
      const list = this.heldCount > 0 ? this.held.get(callId) : undefined;
      // Hold a reply without its request, and any reply queued behind held ones (order is kept per Call-ID).
      if ((t === undefined && this.heldCount < this.o.maxHeldReplies) || list !== undefined) {
        const h = HeldReply.of(`${callId}\u0000${cseq}\u0000${method}`, p, m);
        if (list !== undefined) list.push(h);
        else this.held.set(callId, [h]);
        this.heldCount++;
        this.counters.inc('track.replies_held');
        this.timers.arm(h, p.tsUs + this.o.replyHold * S);
        return;
      }
    }
    if (t === undefined) {
      const created = this.orphanResponse(p, m, callId, cseq, method);
      if (created === null) return;
      t = created;
    }
    const status = m.status;
    const toTag = m.to?.tag ?? null;
    const tag = toTag ?? '';
    let firstOfKind = true;
    for (const c of t.responses) {
      if (c.status !== status || c.tag !== tag) continue;
      if (c.sameHop(p.srcIp, p.srcPort, p.dstIp, p.dstPort)) {
        // RFC 3261 §17.1.1.2 / §13.3.1.4: finals (and 2xx) are retransmitted until acknowledged.
        this.counters.inc('track.retransmissions.response');
        if (c.handle >= 0) t.trace.retransmitted(c.handle);
        return;
      }
      firstOfKind = false;
    }
    let handle = -1;
    if (firstOfKind) {
      const dir = t.call !== null && t.fromTag !== t.call.callerTag ? '>' : '<';
      handle = t.trace.add(dir + status);
    } else {
      this.counters.inc('track.leg_copies');
    }
    if (t.responses.length < 16) t.responses.push(new Copy(p.srcIp, p.srcPort, p.dstIp, p.dstPort, tag, status, handle));
    if (t.serverAgent === null) t.serverAgent = m.server ?? m.userAgent;
    if (t.call !== null && t.call.serverAgent === null && t.fromTag === t.call.callerTag) t.call.serverAgent = t.serverAgent;

    if (status < 200) {
      if (t.state === TxState.Calling) t.state = TxState.Proceeding;
      if (t.firstProvisionalUs < 0) {
        t.firstProvisionalUs = p.tsUs;
        // Any provisional, 100 Trying included, stops Timer B (RFC 3261 §17.1.1.2): the UAC then waits for the
        // final reply, which §13.3.1.1 suggests giving up on after 3 minutes.
        if (t.method === 'INVITE' && !t.decided) this.timers.arm(t, p.tsUs + this.o.inviteProceedingTimeout * S);
      }
      if (status >= 180 && t.first18xUs < 0) t.first18xUs = p.tsUs;
      return;
    }

    const toClient = p.dstIp === t.client.ip && p.dstPort === t.client.port;
    if (t.finalStatus !== 0) {
      // A second final: forking (RFC 3261 §16.7) lets a 2xx follow other finals.
      if (status < 300 && t.method === 'INVITE' && t.call !== null && t.call.state !== CallState.Confirmed && t.toTag === null) {
        this.recordFinal(t, p, m, status, toTag);
        this.decide(t);
      } else if (!t.decided && toClient) {
        // (REGISTER: the client's copy also carries the contacts and expiries it was granted.)
        // The copy sent back to the client is the one that counts (a proxy forwards its best reply).
        this.recordFinal(t, p, m, status, toTag);
        this.decide(t);
      }
      return;
    }
    this.recordFinal(t, p, m, status, toTag);
    if (t.decided) return;
    // A REGISTER 2xx waits for the client's copy too: an edge proxy may rewrite contacts and expiries on the way back.
    if (toClient || (status < 300 && t.method !== 'REGISTER')) {
      this.decide(t);
    } else {
      // Seen on a downstream hop only: a proxy may still forward a better reply from another branch.
      t.timerMeaning = TxTimer.PendingFinal;
      this.timers.arm(t, p.tsUs + this.o.pendingFinalWait * S);
    }
  }

  private recordFinal(t: Transaction, p: SipPayload, m: SipMessage, status: number, toTag: string | null): void {
    t.state = TxState.Completed;
    t.finalStatus = status;
    t.finalReason = m.reason;
    t.finalUs = p.tsUs;
    t.finalToTag = toTag;
    t.finalStale = (status === 401 || status === 407) && (m.challenge?.stale ?? false);
    if (t.method === 'REGISTER' && status < 300) t.regReply = registerReplyOf(m);
  }

  /**
   * A reply whose request we never saw. Finals still tell an outcome (marked partial); the client is
   * the reply's destination. Provisionals alone tell nothing.
   */
  private orphanResponse(p: SipPayload, m: SipMessage, callId: string, cseq: number, method: string): Transaction | null {
    this.counters.inc('track.orphan_responses');
    const status = m.status;
    if (status < 200 || method === 'ACK' || method === 'CANCEL') return null;
    const found = this.findCall(callId, m);
    let call: Call | null = null;
    if (method === 'BYE') {
      if (found.call !== null && found.call.state === CallState.Confirmed && !found.call.byeSeen) {
        // The BYE was missed; its reply still ends the call. The reply goes back to whoever hung up.
        const c = found.call;
        const e = this.callEvent('call-end', p.tsUs, c);
        if (c.startUs >= 0) {
          e.startUs = c.startUs;
          e.endUs = p.tsUs;
        }
        e.originator = p.dstIp === c.client.ip && p.dstPort === c.client.port ? 'caller' : 'callee';
        e.partial = true;
        c.byeSeen = true;
        c.state = CallState.Ended;
        this.emit(e);
        this.timers.arm(c, p.tsUs + this.o.linger * S);
      }
      return null;
    }
    if (method === 'INVITE') {
      if (found.call !== null) return null; // a re-INVITE's reply, or a late copy for a known call
      const fromTag = m.from?.tag ?? '';
      if (this.calls.size >= this.o.maxCalls) return null;
      call = new Call(
        `${callId}\u0000${fromTag}`, callId, fromTag, { ip: p.dstIp, port: p.dstPort }, { ip: p.srcIp, port: p.srcPort },
        p.transport, p.encap, m.from?.uri ?? null, m.to?.uri ?? null, null, null, null, null,
      );
      call.partial = true;
      this.calls.set(call.key, call);
    } else if (found.call !== null) {
      return null; // reply to an in-dialog request of a known call
    }
    if (this.txns.size >= this.o.maxTransactions) return null;
    const from = m.from;
    const to = m.to;
    const t = new Transaction(
      callId, cseq, method, p.tsUs,
      { ip: p.dstIp, port: p.dstPort }, { ip: p.srcIp, port: p.srcPort }, p.transport, p.encap,
      from?.uri ?? null, from?.tag ?? null, to?.uri ?? null, null, '', null, null, null, null, false,
      call, call?.trace ?? new MessageTrace(12),
    );
    t.partial = true;
    if (call !== null) call.invite = t;
    this.txns.set(t);
    return t;
  }

  // ---------------------------------------------------------------- outcomes

  /** States the outcome of a transaction whose final reply is certain, then lets it linger. */
  private decide(t: Transaction): void {
    const wasDecided = t.decided;
    t.decided = true;
    t.state = TxState.Terminated;
    this.linger(t, t.finalUs);
    const status = t.finalStatus;
    // RFC 3261 §22.2/§22.3: 401/407 asks for credentials; to a request that carried none (or with a stale nonce) it is routine.
    const challenge = (status === 401 || status === 407) && (!t.hasCredentials || t.finalStale);
    const authFailed = !challenge && t.hasCredentials && (status === 401 || status === 407 || status === 403);
    if (challenge) {
      t.challenged = true;
      this.challenges.set(t.callId, t.cseq);
      this.counters.inc('track.challenges');
    }

    if (t.method === 'INVITE' && t.call !== null && t.call.invite === t) {
      const call = t.call;
      if (status < 300) {
        if (call.state !== CallState.Confirmed && call.state !== CallState.Ended) this.callStarted(call, t);
        return;
      }
      if (wasDecided || call.state !== CallState.Early) return;
      if (challenge) {
        this.counters.inc('track.challenges_absorbed');
        // Keep the call until the retry comes; forget it if none does.
        this.timers.arm(call, t.finalUs + this.o.linger * S);
        return;
      }
      call.state = CallState.Failed;
      this.emit(this.attemptEvent(authFailed ? 'auth-failed' : 'call-attempt', t.finalUs, call, t));
      this.timers.arm(call, t.finalUs + this.o.linger * S);
      return;
    }
    if (wasDecided || t.call !== null || t.toTag !== null) return; // CANCEL, in-dialog, re-INVITE: no outcome of their own

    if (challenge) {
      this.counters.inc('track.challenges_absorbed');
      return;
    }
    if (authFailed) {
      this.emit(transactionEvent('auth-failed', t.finalUs, t));
      return;
    }
    if (t.method === 'REGISTER' && status < 300 && (t.reg === null || t.reg.star || t.reg.contacts.length > 0)) {
      this.regs.apply(t);
      if (t.reg !== null) return;
      // A reply to a REGISTER we never saw: bindings noted silently, nothing stated.
      return;
    }
    if (status < 300 && t.method === 'OPTIONS') {
      const key = `${t.client.ip}|${t.server.ip}|${t.fromUri}|${t.toUri}|${t.requestUri}`;
      if (this.keepalives.seen(key, t.finalUs)) {
        this.counters.inc('track.keepalives_absorbed');
        return;
      }
    } else if (t.method === 'OPTIONS') {
      this.keepalives.forget(`${t.client.ip}|${t.server.ip}|${t.fromUri}|${t.toUri}|${t.requestUri}`);
    }
    this.emit(transactionEvent(status < 300 ? 'other-ok' : 'other-failed', t.finalUs, t));
  }

  /**
   * Keeps a decided transaction until `fromUs` + linger to absorb late retransmissions. The timer
   * armed at creation is reused when it is due no later than that; it re-arms itself when it fires early.
   */
  private linger(t: Transaction, fromUs: number): void {
    t.timerMeaning = TxTimer.Linger;
    t.lingerUntilUs = fromUs + this.o.linger * S;
    if (t.timerDue < 0 || t.timerDue > t.lingerUntilUs) this.timers.arm(t, t.lingerUntilUs);
  }

  private callStarted(call: Call, t: Transaction): void {
    call.state = CallState.Confirmed;
    call.toTag = t.finalToTag;
    call.startUs = t.finalUs;
    const e = this.attemptEvent('call-start', t.finalUs, call, t);
    e.startUs = t.finalUs;
    this.emit(e);
    this.armCallTimeout(call, t.finalUs);
  }

  private fire(target: Tracked, due: number): void {
    if (target.kind === TrackedKind.Transaction) this.fireTransaction(target as Transaction, due);
    else if (target.kind === TrackedKind.Call) this.fireCall(target as Call, due);
    else if (target.kind === TrackedKind.HeldReply) this.fireHeld(target as HeldReply);
    else this.regs.fire(target as Binding, due);
  }

  private fireTransaction(t: Transaction, due: number): void {
    if (t.timerMeaning === TxTimer.PendingFinal) {
      this.decide(t);
      return;
    }
    if (t.timerMeaning === TxTimer.Linger) {
      if (due < t.lingerUntilUs) {
        this.timers.arm(t, t.lingerUntilUs);
        return;
      }
      this.txns.delete(t);
      if (t.challenged && this.challenges.get(t.callId) === t.cseq) {
        this.challenges.delete(t.callId);
        this.counters.inc('track.challenges_not_retried');
      }
      return;
    }
    if (t.finalStatus !== 0) {
      this.txns.delete(t); // an in-dialog transaction that completed: nothing left to absorb
      return;
    }
    if (t.decided) {
      this.counters.inc('track.in_dialog_timeouts');
      this.txns.delete(t);
      return;
    }
    // AwaitFinal: RFC 3261 Timer B/F (64·T1) without a final reply.
    t.decided = true;
    t.state = TxState.Terminated;
    this.linger(t, due);
    const call = t.call;
    if (t.method === 'INVITE' && call !== null && call.invite === t && t.toTag === null) {
      if (call.state !== CallState.Early) return;
      call.state = CallState.Failed;
      const e = this.attemptEvent('call-attempt', due, call, t);
      e.status = 408;
      e.reason = 'Request Timeout';
      e.timeout = true;
      this.emit(e);
      this.timers.arm(call, due + this.o.linger * S);
      return;
    }
    if (call !== null || t.toTag !== null || t.method === 'CANCEL') {
      this.counters.inc('track.in_dialog_timeouts');
      return;
    }
    const e = transactionEvent('other-timeout', due, t);
    e.status = 408;
    e.reason = 'Request Timeout';
    e.timeout = true;
    this.emit(e);
  }

  private fireCall(call: Call, due: number): void {
    if (call.state === CallState.Confirmed) {
      if (due < call.silenceDueUs) {
        this.timers.arm(call, call.silenceDueUs); // in-dialog traffic moved the deadline
        return;
      }
      const e = this.callEvent('call-end', due, call);
      e.originator = 'timeout';
      if (call.startUs >= 0) {
        e.startUs = call.startUs;
        e.endUs = due;
      } else {
        e.partial = true;
      }
      this.emit(e);
    } else if (call.state === CallState.Early && call.invite !== null && !call.invite.decided) {
      return; // the INVITE transaction's own timer decides
    }
    this.calls.delete(call.key);
  }

  /** A request with credentials after a challenge on the same Call-ID: the challenge was answered. */
  private noteRetry(callId: string): void {
    if (this.challenges.delete(callId)) this.counters.inc('track.challenges_retried');
  }

  // ---------------------------------------------------------------- event building

  private callEvent(action: EventAction, tsUs: number, call: Call): TrackEvent {
    const e = new TrackEvent(action, tsUs);
    e.subject = call;
    e.client = call.client;
    e.server = call.server;
    e.transport = call.transport;
    e.encap = call.encap;
    e.callId = call.callId;
    e.from = call.fromUri;
    e.to = call.toUri;
    e.fromTag = call.callerTag || null;
    e.toTag = call.toTag;
    e.requestUri = call.requestUri;
    e.method = 'INVITE';
    e.contact = call.contact;
    e.userAgent = call.userAgent;
    e.serverAgent = call.serverAgent;
    e.pai = call.pai;
    e.user = call.authUser ?? userOf(call.fromUri);
    e.partial = call.partial;
    e.cancelled = call.cancelled;
    e.trace = call.trace.toString();
    const inv = call.invite;
    if (inv !== null && inv.finalStatus > 0) {
      e.status = inv.finalStatus;
      e.reason = inv.finalReason;
    }
    if (inv !== null && !inv.partial) this.delays(e, call.firstInviteUs, inv);
    return e;
  }

  /** call-start, call-attempt and auth-failed on an INVITE: the outcome of the deciding transaction. */
  private attemptEvent(action: EventAction, tsUs: number, call: Call, t: Transaction): TrackEvent {
    const e = this.callEvent(action, tsUs, call);
    e.status = t.finalStatus > 0 ? t.finalStatus : null;
    e.reason = t.finalStatus > 0 ? t.finalReason : null;
    if (t.finalToTag !== null) e.toTag = t.finalToTag;
    if (action === 'auth-failed') {
      e.user = t.authUser;
      e.realm = t.authRealm;
    }
    return e;
  }

  /** pdd: first request → first 18x (or the final); ring: first 18x → final. */
  private delays(e: TrackEvent, firstUs: number, t: Transaction): void {
    if (firstUs < 0) return;
    const alert = t.first18xUs >= 0 ? t.first18xUs : t.finalUs;
    if (alert >= 0) e.pddMs = Math.round((alert - firstUs) / 1000);
    if (t.first18xUs >= 0 && t.finalUs >= 0) e.ringMs = Math.round((t.finalUs - t.first18xUs) / 1000);
  }

}

function registerRequestOf(m: SipMessage): RegisterRequest {
  const contacts: { uri: string; expires: number | null }[] = [];
  let star = false;
  for (const c of m.contacts) {
    if (c.star) star = true;
    else contacts.push({ uri: c.uri, expires: c.expires });
  }
  return { star, contacts, expires: m.expires };
}

function registerReplyOf(m: SipMessage): RegisterRequest {
  return registerRequestOf(m);
}

export type { Endpoint };
