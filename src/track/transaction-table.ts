import type { Transaction } from './transaction.js';

/**
 * Live transactions by Call-ID, then CSeq number and method (RFC 3261 §17 matching, see
 * Transaction). One map lookup by the Call-ID string a message already carries: no key string is
 * built per message, and a Call-ID rarely has more than two or three transactions alive.
 */
export class TransactionTable {
  private readonly byCallId = new Map<string, Transaction[]>();
  size = 0;

  get(callId: string, cseq: number, method: string): Transaction | undefined {
    const list = this.byCallId.get(callId);
    if (list === undefined) return undefined;
    for (const t of list) if (t.cseq === cseq && t.method === method) return t;
    return undefined;
  }

  has(callId: string, cseq: number, method: string): boolean {
    return this.get(callId, cseq, method) !== undefined;
  }

  /** Adds t, replacing a transaction with the same Call-ID, CSeq number and method. */
  set(t: Transaction): void {
    const list = this.byCallId.get(t.callId);
    if (list === undefined) {
      this.byCallId.set(t.callId, [t]);
      this.size++;
      return;
    }
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.cseq === t.cseq && list[i]!.method === t.method) {
        list[i] = t;
        return;
      }
    }
    list.push(t);
    this.size++;
  }

  /** Removes t itself (not a newer transaction that replaced it under the same key). */
  delete(t: Transaction): void {
    const list = this.byCallId.get(t.callId);
    if (list === undefined) return;
    const i = list.indexOf(t);
    if (i < 0) return;
    this.size--;
    if (list.length === 1) this.byCallId.delete(t.callId);
    else list.splice(i, 1);
  }

  *values(): IterableIterator<Transaction> {
    for (const list of this.byCallId.values()) yield* list;
  }
}
