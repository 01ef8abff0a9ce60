import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { checkAgainstTruth } from './truth-match.js';

const dir = join(REPO_ROOT, 'lab', 'captures');
const runs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.truth.json')).map((f) => f.replace('.truth.json', '')) : [];

test('the committed lab captures are present', () => {
  assert.deepEqual(runs.sort(), ['attack', 'basic', 'tcp']);
});

for (const run of runs) {
  test(`lab ${run}: sipsentry replay reproduces the truth exactly (every expected event, no other)`, async () => {
    const problems = await checkAgainstTruth(join(dir, `${run}.pcap`), join(dir, `${run}.truth.json`));
    assert.deepEqual(problems, []);
  });
}
