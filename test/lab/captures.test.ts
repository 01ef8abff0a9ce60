/**
 * The committed lab captures (lab/captures/<run>.pcap) hold exactly the SIP messages their truth
 * files (lab/captures/<run>.truth.json) state, counted per method and per status code by tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { countSipMessages } from '../../lab/src/check-counts.js';

const CAPTURES = join(REPO_ROOT, 'lab', 'captures');

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface TruthCounts {
  total: number;
  requests: Record<string, number>;
  responses: Record<string, number>;
  retransmissions: number;
  tshark_messages: number;
}

const runs = existsSync(CAPTURES)
  ? readdirSync(CAPTURES).filter((f) => f.endsWith('.truth.json')).map((f) => f.slice(0, -'.truth.json'.length)).sort()
  : [];

test('the committed lab captures are basic, tcp and attack', () => {
  assert.deepEqual(runs, ['attack', 'basic', 'tcp']);
});

for (const run of runs) {
  test(`lab capture ${run}: tshark counts equal the truth counts`, { skip: hasTshark() ? false : 'tshark is not installed' }, () => {
    const truth = JSON.parse(readFileSync(join(CAPTURES, run + '.truth.json'), 'utf8')) as { run: string; counts: TruthCounts };
    assert.equal(truth.run, run);
    const got = countSipMessages(join(CAPTURES, run + '.pcap'));
    assert.equal(got.total, truth.counts.total);
    assert.equal(got.total, truth.counts.tshark_messages);
    assert.deepEqual(got.requests, truth.counts.requests);
    assert.deepEqual(got.responses, truth.counts.responses);
  });
}
