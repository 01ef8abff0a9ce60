/**
 * The syslog output: RFC 5424 messages parsed strictly by test receivers over UDP, TCP and TLS
 * (octet counting), a receiver going away and coming back, and a real rsyslogd receiving the lab
 * records.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { recordFromDocument, type OutputRecord } from '../../src/events/record.js';
import { octetCounted, syslogMessage, syslogOutput, syslogSchema } from '../../src/outputs/syslog.js';
import { replayRecords } from '../helpers/lab-records.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { batches } from '../helpers/record-stream.js';
import { hasRsyslog, startRsyslog } from '../helpers/rsyslog.js';
import { hasOpenssl, listenTcp, listenTls, listenUdp, OctetCountingParser, selfSignedCert, type SyslogFrame } from '../helpers/syslog-server.js';

const LOCAL0 = 16;
const ctx = () => ({ counters: new Counters(), log: silentLog() });

function output(options: Record<string, unknown>) {
  const c = ctx();
  return { out: syslogOutput.create(syslogSchema.parse({ hostname: 'probe-1', timeoutMs: 5000, ...options }), c), counters: c.counters };
}

const expectedSeverity = (r: OutputRecord): number => (r.kind === 'alert' ? 4 : ['auth-failed', 'parse-error', 'msg-probe'].includes(r.action) ? 5 : 6);

/** Each frame is the record's RFC 5424 message: header fields, severity and the JSON document. */
function assertFramesAre(frames: readonly SyslogFrame[], records: readonly OutputRecord[]): void {
  assert.equal(frames.length, records.length);
  for (let i = 0; i < records.length; i++) {
    const f = frames[i]!;
    const r = records[i]!;
    assert.equal(f.msg, r.json);
    assert.equal(f.msgId, r.action);
    assert.equal(f.timestamp, new Date(r.tsMs).toISOString());
    assert.deepEqual([f.facility, f.severity, f.hostname, f.appName, f.procId, f.structuredData], [LOCAL0, expectedSeverity(r), 'probe-1', 'sipsentry', String(process.pid), '-']);
  }
}

let lab: OutputRecord[];
before(async () => {
  lab = await replayRecords([join(REPO_ROOT, 'lab', 'captures', 'basic.pcap')]);
  assert.ok(lab.some((r) => r.action === 'auth-failed'), 'the lab capture has a notice-level event');
});

describe('RFC 5424 framing', () => {
  test('one message: PRI from facility and severity, the event time, MSGID = action', () => {
    const r = recordFromDocument({ '@timestamp': '2024-05-14T08:00:00.156Z', event: { kind: 'event', action: 'auth-failed' } });
    const h = { facility: 4, hostname: 'probe-1', appName: 'sipsentry', procId: '42' };
    assert.equal(syslogMessage(r, h, 'hello'), '<37>1 2024-05-14T08:00:00.156Z probe-1 sipsentry 42 auth-failed - hello');
    const alert = recordFromDocument({ '@timestamp': '2024-05-14T08:00:00.000Z', event: { kind: 'alert', action: 'scan' } });
    assert.match(syslogMessage(alert, h, 'x'), /^<36>1 /, 'alerts are warnings');
    const odd = { ...r, action: 'a b\u00e9', tsMs: 8.64e15 };
    assert.equal(syslogMessage(odd, h, 'x'), '<38>1 - probe-1 sipsentry 42 a_b_ - x', 'NILVALUE time, MSGID made printable');
  });

  test('octet counting counts bytes, and any chunking of the stream gives the same messages back', () => {
    assert.equal(octetCounted('é'), '2 é');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
        const stream = Buffer.from(messages.map(octetCounted).join(''));
        const got: string[] = [];
        const errors: string[] = [];
        const parser = new OctetCountingParser((m) => got.push(m), (e) => errors.push(e));
        const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        let prev = 0;
        for (const c of [...at, stream.length]) {
          parser.push(stream.subarray(prev, c));
          prev = c;
        }
        assert.deepEqual(errors, []);
        assert.deepEqual(got, messages);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('syslog output over loopback', () => {
  test('UDP: the lab records, one datagram each, in order', async () => {
    const rx = await listenUdp();
    const { out } = output(syslogOutput.fromTarget(`udp://127.0.0.1:${rx.port}`));
    await out.open();
    for (const b of batches(lab, 10)) await out.write(b);
    await rx.waitFor(lab.length);
    await out.close();
    await rx.close();
    assert.deepEqual(rx.errors, []);
    assertFramesAre(rx.frames, lab);
  });

  test('TCP: the lab records in octet-counted frames', async () => {
    const rx = await listenTcp();
    const { out } = output({ ...syslogOutput.fromTarget(`tcp://127.0.0.1:${rx.port}`), facility: 'local0' });
    for (const b of batches(lab, 10)) await out.write(b);
    await out.close();
    await rx.waitFor(lab.length);
    await rx.close();
    assert.deepEqual(rx.errors, []);
    assertFramesAre(rx.frames, lab);
  });

  test('TCP: a receiver that goes away makes write() reject; once it is back the retried batch arrives', async () => {
    const rx = await listenTcp();
    const { out } = output({ transport: 'tcp', port: rx.port });
    const [first, second] = [lab.slice(0, 10), lab.slice(10)];
    await out.write(first);
    await rx.waitFor(first.length);
    await rx.close();
    // The first write after the peer left may still be taken by the kernel (documented); a later one fails.
    let rejected = false;
    for (let i = 0; i < 3 && !rejected; i++) rejected = await out.write(second).then(() => false, () => true);
    assert.ok(rejected, 'a dead peer is noticed');
    await assert.rejects(out.write(second), 'nobody listens: the reconnect is refused');

    const back = await listenTcp(rx.port);
    await out.write(second);
    await out.close();
    await back.waitFor(second.length);
    await back.close();
    assertFramesAre(back.frames, second);
  });

  test('UDP: an ICMP port unreachable makes write() reject; once a receiver is back the batch arrives', async () => {
    const gone = await listenUdp();
    await gone.close();
    const { out } = output({ port: gone.port });
    // The first datagram is lost to the closed port; its ICMP error fails a following send.
    let rejected = false;
    for (let i = 0; i < 3 && !rejected; i++) rejected = await out.write(lab.slice(0, 2)).then(() => false, () => true);
    assert.ok(rejected, 'nobody listening is noticed');
    const rx = await listenUdp(gone.port);
    await out.write(lab.slice(0, 5));
    await rx.waitFor(5);
    await out.close();
    await rx.close();
    assertFramesAre(rx.frames, lab.slice(0, 5));
  });

  test('TLS: verified against the receiver’s CA; an unknown CA is a failed write', { skip: hasOpenssl() ? false : 'openssl not installed' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sipsentry-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { cert, key, certFile } = selfSignedCert(dir);
    const rx = await listenTls(cert, key);
    const untrusted = output({ ...syslogOutput.fromTarget(`tls://127.0.0.1:${rx.port}`) });
    await assert.rejects(untrusted.out.write(lab.slice(0, 1)), /self.signed|certificate/i);
    const { out } = output({ ...syslogOutput.fromTarget(`tls://127.0.0.1:${rx.port}`), tlsCaFile: certFile });
    for (const b of batches(lab, 10)) await out.write(b);
    await out.close();
    await rx.waitFor(lab.length);
    await rx.close();
    assertFramesAre(rx.frames, lab);
  });

  test('UDP: a message too large for a datagram is rejected and counted, the others go', async () => {
    const rx = await listenUdp();
    const { out, counters } = output({ port: rx.port });
    const huge = recordFromDocument({ '@timestamp': '2024-05-14T08:00:00.000Z', event: { kind: 'event', action: 'parse-error' }, error: { message: 'x'.repeat(70_000) } });
    await out.write([lab[0]!, huge, lab[1]!]);
    await rx.waitFor(2);
    await out.close();
    await rx.close();
    assert.equal(counters.get('output.syslog.rejected'), 1);
    assertFramesAre(rx.frames, [lab[0]!, lab[1]!]);
  });

  test('CEF messages', async () => {
    const rx = await listenTcp();
    const { out } = output({ transport: 'tcp', port: rx.port, format: 'cef' });
    await out.write(lab);
    await out.close();
    await rx.waitFor(lab.length);
    await rx.close();
    for (let i = 0; i < lab.length; i++) {
      assert.ok(rx.frames[i]!.msg.startsWith(`CEF:0|sipsentry|sipsentry|`), rx.frames[i]!.msg);
      assert.equal(rx.frames[i]!.msg.split('|')[4], lab[i]!.action);
    }
  });
});

describe('syslog into a real rsyslogd', { skip: hasRsyslog() ? false : 'rsyslogd not installed' }, () => {
  for (const transport of ['udp', 'tcp'] as const) {
    test(`${transport}: rsyslogd receives exactly the lab records`, async () => {
      const rsyslog = await startRsyslog();
      try {
        const port = transport === 'udp' ? rsyslog.udpPort : rsyslog.tcpPort;
        const { out } = output(syslogOutput.fromTarget(`${transport}://127.0.0.1:${port}`));
        for (const b of batches(lab, 10)) await out.write(b);
        await out.close();
        const got = await rsyslog.waitFor(lab.length);
        assert.equal(got.length, lab.length);
        for (let i = 0; i < lab.length; i++) {
          const g = got[i]!;
          const r = lab[i]!;
          assert.deepEqual(JSON.parse(g.msg), JSON.parse(r.json));
          assert.equal(g.msg, r.json);
          assert.equal(Date.parse(g.timestamp), r.tsMs);
          assert.deepEqual([g.pri, g.hostname, g.appName, g.procId, g.msgId, g.structuredData], [LOCAL0 * 8 + expectedSeverity(r), 'probe-1', 'sipsentry', String(process.pid), r.action, '-']);
        }
      } finally {
        await rsyslog.stop();
      }
    });
  }
});

describe('syslog options', () => {
  test('targets and defaults', () => {
    assert.deepEqual(syslogOutput.fromTarget('udp://127.0.0.1:514'), { transport: 'udp', host: '127.0.0.1', port: 514 });
    assert.deepEqual(syslogOutput.fromTarget('tls://logs.example.org'), { transport: 'tls', host: 'logs.example.org' });
    assert.deepEqual(syslogOutput.fromTarget('tcp://[::1]:1514'), { transport: 'tcp', host: '::1', port: 1514 });
    assert.throws(() => syslogOutput.fromTarget('http://x'));
    const o = syslogSchema.parse({});
    assert.deepEqual([o.transport, o.host, o.port, o.facility, o.appName, o.format], ['udp', '127.0.0.1', null, 'local0', 'sipsentry', 'json']);
    assert.throws(() => syslogSchema.parse({ appName: 'has space' }));
    assert.throws(() => syslogSchema.parse({ facility: 'local9' }));
    assert.throws(() => syslogSchema.parse({ severity: 3 }), 'unknown keys are errors');
  });
});
