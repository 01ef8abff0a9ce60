import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBenchCapture } from '../../bench/gen-capture.js';
import { readCapture } from '../../src/capture/read-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'sipsentry-bench-'));

test('the benchmark capture holds exactly the requested messages, in time order, with the intended mix', async () => {
  const path = join(dir, 'a.pcap');
  const r = await generateBenchCapture(path, { messages: 5000, seed: 7, hours: 1 });
  assert.equal(r.messages, 5000);
  assert.equal(r.packets, 5000);
  const labels: Record<string, number> = {};
  const srcIps = new Set<number>();
  const callIds = new Set<string>();
  let last = 0;
  let backwards = 0;
  let outOfRange = 0;
  const s = await readCapture(path, (f) => {
    if (f.tsUs < last) backwards++;
    last = f.tsUs;
    srcIps.add(f.data.readUInt32BE(26));
    const sip = f.data.subarray(42);
    if (sip.length < 350 || sip.length > 1200) outOfRange++;
    const text = sip.toString('latin1');
    const label = text.startsWith('SIP/2.0 ') ? text.slice(8, 11) : text.slice(0, text.indexOf(' '));
    labels[label] = (labels[label] ?? 0) + 1;
    callIds.add(/\r\nCall-ID: ([^\r]+)/.exec(text)![1]!);
  });
  assert.deepEqual([s.error, s.frames, s.bytes], [null, 5000, r.bytes]);
  assert.equal(backwards, 0);
  assert.equal(outOfRange, 0);
  assert.equal(last, r.lastTsUs);
  assert.deepEqual({ ...r.methods, ...r.statuses }, labels);
  // A refresh is REGISTER, 401, REGISTER, 200: twice its REGISTER count.
  const registerShare = (labels['REGISTER']! * 2) / 5000;
  assert.equal(registerShare > 0.58 && registerShare < 0.7, true, `REGISTER share ${registerShare}`);
  for (const m of ['OPTIONS', 'INVITE', 'ACK', 'BYE', '100', '180', '486', '404']) assert.equal((labels[m] ?? 0) > 0, true, m);
  assert.equal(srcIps.size > 1000, true, `${srcIps.size} source addresses`);
  assert.equal(callIds.size > 1000, true, `${callIds.size} Call-IDs`);
  assert.equal(r.lastTsUs - r.firstTsUs > 40 * 60 * 1_000_000, true);
});

test('the benchmark capture is deterministic for a seed', async () => {
  const hash = async (name: string, seed: number): Promise<string> => {
    const path = join(dir, name);
    await generateBenchCapture(path, { messages: 500, seed });
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  };
  assert.equal(await hash('b.pcap', 3), await hash('c.pcap', 3));
  assert.notEqual(await hash('d.pcap', 3), await hash('e.pcap', 4));
});
