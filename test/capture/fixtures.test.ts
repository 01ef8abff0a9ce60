import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixtures } from '../../scripts/make-fixtures.js';
import { FIXTURES } from '../helpers/paths.js';

test('regenerating the fixtures gives the committed bytes', () => {
  const out = mkdtempSync(join(tmpdir(), 'sipsentry-fixtures-'));
  const written = writeFixtures(out).sort();
  const committed = readdirSync(FIXTURES).filter((n) => n !== 'README.md').sort();
  assert.deepEqual(written, committed);
  for (const name of written) {
    assert.deepEqual(readFileSync(join(out, name)), readFileSync(join(FIXTURES, name)), `${name} differs: run node dist/scripts/make-fixtures.js`);
  }
});

test('fixtures stay small (< 300 KB in total)', () => {
  const total = readdirSync(FIXTURES).reduce((n, f) => n + readFileSync(join(FIXTURES, f)).length, 0);
  assert.equal(total < 300 * 1024, true, `fixtures take ${total} bytes`);
});

interface Expected {
  sipMessages: number;
  methods: Record<string, number>;
  statuses: Record<string, number>;
  transports: Record<string, number>;
}

test('expected.json is self-consistent: methods + statuses = transports = sipMessages', () => {
  const doc = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { files: Record<string, Expected> };
  const sum = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);
  let total = 0;
  for (const [name, e] of Object.entries(doc.files)) {
    assert.equal(sum(e.methods) + sum(e.statuses), e.sipMessages, name);
    assert.equal(sum(e.transports), e.sipMessages, name);
    total += e.sipMessages;
  }
  assert.equal(total, 121);
});
