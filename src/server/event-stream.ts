import type { ServerResponse } from 'node:http';
import type { Counters } from '../base/counters.js';
import type { OutputRecord } from '../events/record.js';

interface Client {
  res: ServerResponse;
  kinds: ReadonlySet<string>;
}

/** How often an idle stream gets a comment line, so proxies and browsers keep it open. */
const PING_MS = 15_000;

/**
 * The live tail: every record written (already encrypted when privacy is on) goes to each
 * Server-Sent Events client that asked for its kind. A burst is buffered per client up to
 * `maxBuffered` bytes; beyond that a slow client misses records, which are counted
 * (`http.stream.dropped`), so no client can make the probe's memory grow.
 */
export class EventStream {
  private readonly clients = new Set<Client>();
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly counters: Counters,
    readonly maxClients = 32,
    private readonly maxBuffered = 1024 * 1024,
  ) {
    this.ping = setInterval(() => {
      for (const c of this.clients) if (c.res.writableLength === 0) c.res.write(': ping\n\n');
    }, PING_MS);
    this.ping.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response; false when there are already maxClients streams. */
  add(res: ServerResponse, kinds: ReadonlySet<string>): boolean {
    if (this.clients.size >= this.maxClients) return false;
    const c: Client = { res, kinds };
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    res.write('retry: 3000\n\n');
    this.clients.add(c);
    res.on('close', () => this.clients.delete(c));
    return true;
  }

  readonly push = (r: OutputRecord): void => {
    if (this.clients.size === 0) return;
    let frame: string | null = null;
    for (const c of this.clients) {
      if (!c.kinds.has(r.kind)) continue;
      if (c.res.writableLength > this.maxBuffered) {
        this.counters.inc('http.stream.dropped');
        continue;
      }
      frame ??= `event: ${r.kind}\nid: ${r.id}\ndata: ${r.json}\n\n`;
      c.res.write(frame);
    }
  };

  close(): void {
    clearInterval(this.ping);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
