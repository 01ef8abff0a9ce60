import type { Counters } from '../base/counters.js';
import type { TimerQueue } from '../base/timer-queue.js';
import { Binding } from './binding.js';
import type { TrackOptions } from './options.js';
import { TrackEvent, type EventAction } from './track-event.js';
import type { Tracked } from './tracked.js';
import type { Transaction } from './transaction.js';
import { aorKey, contactKey, userOf } from './uri-keys.js';
import { transactionEvent } from './transaction-event.js';

const S = 1_000_000;

/**
 * The probe's shadow of the registrar's bindings (RFC 3261 §10.3), keyed by (AoR, contact) so that a
 * refresh matches whatever Call-ID, CSeq or branch the UA uses. Every Contact of a REGISTER counts.
 */
export class Registrations {
  private readonly bindings = new Map<string, Binding>();
  private readonly byAor = new Map<string, Set<Binding>>();

  constructor(
    private readonly o: TrackOptions,
    private readonly counters: Counters,
    private readonly timers: TimerQueue<Tracked>,
    private readonly emit: (e: TrackEvent) => void,
  ) {}

  get size(): number {
    return this.bindings.size;
  }

  values(): IterableIterator<Binding> {
    return this.bindings.values();
  }

  /** Up to n live bindings as "AoR contact". */
  sample(n: number): string[] {
    const out: string[] = [];
    for (const b of this.bindings.values()) {
      if (out.length >= n) break;
      out.push(`${b.aor} ${b.contact}`);
    }
    return out;
  }

  /** Applies a REGISTER transaction that ended in 2xx. */
  apply(t: Transaction): void {
    const aor = aorKey(t.toUri) ?? '';
    const reply = t.regReply;
    const listed = new Map<string, number | null>();
    if (reply !== null) for (const c of reply.contacts) listed.set(contactKey(c.uri), c.expires);
    const replyExpires = reply?.expires ?? null;
    const req = t.reg;

    if (req === null) {
      // Reply to a REGISTER we did not see: remember the bindings it lists, state nothing.
      for (const c of reply?.contacts ?? []) {
        const exp = c.expires ?? replyExpires ?? this.o.defaultExpires;
        if (exp > 0) this.upsert(t, aor, c.uri, contactKey(c.uri), exp, true);
      }
      return;
    }

    if (req.star) {
      // RFC 3261 §10.2.2: "Contact: *" with Expires 0 removes every binding of the AoR.
      const all = this.byAor.get(aor);
      if (all === undefined || all.size === 0) {
        const e = this.event('reg-del', t.finalUs, t, '*');
        e.partial = true;
        this.emit(e);
        return;
      }
      for (const b of [...all]) this.remove(b, t);
      return;
    }

    // One contact is the common case: no duplicate to skip, no set to build.
    const seen = req.contacts.length > 1 ? new Set<string>() : null;
    for (const c of req.contacts) {
      const ck = contactKey(c.uri);
      if (seen !== null) {
        if (seen.has(ck)) continue;
        seen.add(ck);
      }
      // RFC 3261 §10.3 step 8: the 2xx lists each binding with its expiry, which wins over what was asked;
      // a contact the 2xx does not list keeps what the request asked (an unregistration is not listed).
      const exp = listed.has(ck)
        ? (listed.get(ck) ?? replyExpires ?? c.expires ?? req.expires ?? this.o.defaultExpires)
        : (c.expires ?? req.expires ?? replyExpires ?? this.o.defaultExpires);
      if (exp <= 0) {
        const b = this.bindings.get(`${aor}\u0000${ck}`);
        if (b !== undefined) this.remove(b, t);
        else {
          const e = this.event('reg-del', t.finalUs, t, c.uri);
          e.partial = true;
          this.emit(e);
        }
      } else {
        this.upsert(t, aor, c.uri, ck, exp, false);
      }
    }
    // Bindings other devices hold for the same AoR: known from now on, but not news.
    for (const [ck, exp] of listed) {
      const asked = seen !== null ? seen.has(ck) : ck === contactKey(req.contacts[0]!.uri);
      if (asked || exp === null || exp <= 0) continue;
      if (!this.bindings.has(`${aor}\u0000${ck}`)) this.upsert(t, aor, ck, ck, exp, true);
    }
  }

  /** `ck`: contactKey(contact), which the caller has already computed. */
  private upsert(t: Transaction, aor: string, contact: string, ck: string, expires: number, silent: boolean): void {
    const key = `${aor}\u0000${ck}`;
    let b = this.bindings.get(key);
    if (b !== undefined) {
      this.counters.inc('track.reg_refreshes');
      b.callId = t.callId;
      b.client = t.client;
      b.server = t.server;
      if (t.userAgent !== null) b.userAgent = t.userAgent;
    } else {
      if (this.bindings.size >= this.o.maxBindings) {
        this.counters.inc('track.binding_table_full');
        return;
      }
      b = new Binding(
        key, aor, contact, t.finalUs, t.callId, t.client, t.server, t.transport, t.encap, t.userAgent,
        t.authUser ?? userOf(t.toUri), t.fromUri, t.toUri, t.requestUri || null,
      );
      b.silent = silent;
      this.bindings.set(key, b);
      let set = this.byAor.get(aor);
      if (set === undefined) this.byAor.set(aor, (set = new Set()));
      set.add(b);
      if (!silent) {
        const e = this.event('reg-new', t.finalUs, t, contact);
        e.expires = expires;
        e.subject = b;
        this.emit(e);
      }
    }
    b.expiresAtUs = t.finalUs + expires * S;
    // Refreshes only move expiresAtUs; the armed timer re-arms itself when it fires early.
    const due = b.expiresAtUs + this.o.regExpiryGrace * S;
    if (b.timerDue < 0 || b.timerDue > due) this.timers.arm(b, due);
  }

  private remove(b: Binding, t: Transaction): void {
    this.drop(b);
    const e = this.event('reg-del', t.finalUs, t, b.contact);
    e.subject = b;
    e.startUs = b.silent ? null : b.createdUs;
    e.endUs = t.finalUs;
    e.partial = b.silent;
    this.emit(e);
  }

  private drop(b: Binding): void {
    this.timers.disarm(b);
    this.bindings.delete(b.key);
    const set = this.byAor.get(b.aor);
    if (set !== undefined) {
      set.delete(b);
      if (set.size === 0) this.byAor.delete(b.aor);
    }
  }

  /** Expiry + grace passed without a refresh. */
  fire(b: Binding, due: number): void {
    const expiry = b.expiresAtUs + this.o.regExpiryGrace * S;
    if (due < expiry) {
      this.timers.arm(b, expiry); // refreshed since the timer was armed
      return;
    }
    this.drop(b);
    const e = new TrackEvent('reg-expired', due);
    e.subject = b;
    e.client = b.client;
    e.server = b.server;
    e.transport = b.transport;
    e.encap = b.encap;
    e.callId = b.callId;
    e.from = b.fromUri;
    e.to = b.toUri;
    e.requestUri = b.requestUri;
    e.method = 'REGISTER';
    e.contact = b.contact;
    e.userAgent = b.userAgent;
    e.user = b.user;
    e.startUs = b.silent ? null : b.createdUs;
    e.endUs = b.expiresAtUs;
    e.partial = b.silent;
    this.emit(e);
  }

  private event(action: EventAction, tsUs: number, t: Transaction, contact: string): TrackEvent {
    const e = transactionEvent(action, tsUs, t);
    e.contact = contact;
    e.user = t.authUser ?? userOf(t.toUri); // the AoR's user, whoever sent the REGISTER
    return e;
  }

}
