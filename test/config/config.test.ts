import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { byteSize, duration, parseHostPort } from '../../src/config/units.js';
import { runConfigSchema } from '../../src/pipeline/run-config.js';
import { restartOnlyChanges, trackOptions } from '../../src/pipeline/run-options.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('the sample sipsentry.yml states exactly the defaults', () => {
  const sample = loadConfig(runConfigSchema, { file: join(REPO_ROOT, 'sipsentry.yml'), overrides: [] }).value;
  assert.deepEqual(sample, runConfigSchema.parse({}));
});

test('docs/configuration.md documents every setting', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
  const defaults = runConfigSchema.parse({}) as Record<string, unknown>;
  const missing: string[] = [];
  for (const [section, v] of Object.entries(defaults)) {
    if (!doc.includes('`' + section)) missing.push(section);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const k of Object.keys(v)) if (!doc.includes('`' + k + '`')) missing.push(`${section}.${k}`);
    }
  }
  for (const k of ['name', 'bpf', 'snaplen', 'bufferSize', 'promiscuous', 'listen', 'maxConnections', 'idleTimeout', 'recvBuffer']) if (!doc.includes('`' + k + '`')) missing.push(`inputs.*.${k}`);
  assert.deepEqual(missing, []);
});

test('durations, sizes and host:port accept units and reject nonsense', () => {
  assert.equal(duration().parse('5m'), 300);
  assert.equal(duration().parse('250ms'), 0.25);
  assert.equal(duration().parse(42), 42);
  assert.equal(duration().safeParse('soon').success, false);
  assert.equal(duration().safeParse(-1).success, false);
  assert.equal(byteSize().parse('64KiB'), 65536);
  assert.equal(byteSize().parse('1GB'), 1e9);
  assert.equal(byteSize().safeParse('lots').success, false);
  assert.deepEqual(parseHostPort('[::1]:9060'), { host: '::1', port: 9060 });
  assert.deepEqual(parseHostPort(':9060'), { host: '0.0.0.0', port: 9060 });
  assert.equal(parseHostPort('host:99999'), null);
  assert.equal(parseHostPort('nowhere'), null);
});

test('-E overrides: YAML values, nested keys and list indexes; problems name the override', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-cfg-'));
  try {
    const f = join(dir, 'c.yml');
    writeFileSync(f, 'inputs:\n  hep:\n    - listen: 127.0.0.1:9060\noutputs:\n  archive: { type: ndjson, path: /tmp/a.ndjson }\n');
    const c = loadConfig(runConfigSchema, {
      file: f,
      overrides: ['inputs.hep.0.udp=false', 'events.exclude=[msg-probe, other-ok]', 'track.callTimeout=2h', 'outputs.archive.retain=3'],
    }).value;
    assert.equal(c.inputs.hep[0]!.udp, false);
    assert.deepEqual(c.inputs.hep[0]!.listen, { host: '127.0.0.1', port: 9060 });
    assert.deepEqual(c.events.exclude, ['msg-probe', 'other-ok']);
    assert.equal(c.track.callTimeout, 7200);
    assert.equal(c.outputs.length, 1);
    assert.equal(c.outputs[0]!.kind, 'ndjson');
    assert.equal((c.outputs[0]!.options as { retain: number; name: string }).retain, 3);
    assert.equal((c.outputs[0]!.options as { name: string }).name, 'archive');
    assert.throws(
      () => loadConfig(runConfigSchema, { file: null, overrides: ['no-equals-sign', 'track.callTimeout=[unclosed'] }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 2 && /expected -E key=value/.test(err.message) && /not valid YAML/.test(err.message),
    );
    // secrets do not belong in the file
    assert.throws(() => loadConfig(runConfigSchema, { file: null, overrides: ['privacy.passphrase=x'] }), /privacy: .*secrets are not accepted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a document that is not a mapping, and duplicate keys, are errors with a line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-cfg-'));
  try {
    const f = join(dir, 'c.yml');
    writeFileSync(f, '- just\n- a list\n');
    assert.throws(() => loadConfig(runConfigSchema, { file: f, overrides: [] }), /c\.yml:1(:\d+)?: the configuration must be a mapping/);
    writeFileSync(f, 'track:\n  callTimeout: 1h\ntrack:\n  callTimeout: 2h\n');
    assert.throws(() => loadConfig(runConfigSchema, { file: f, overrides: [] }), /c\.yml:3:\d+: .*[Uu]nique|c\.yml:3:\d+: .*duplicate/i);
    writeFileSync(f, '');
    assert.deepEqual(loadConfig(runConfigSchema, { file: f, overrides: [] }).value, runConfigSchema.parse({}));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restartOnlyChanges names the changed settings read only at start, and none of those a reload applies', () => {
  const was = runConfigSchema.parse({});
  const now = runConfigSchema.parse({
    inputs: { hep: [{ listen: '127.0.0.1:9060' }] },
    decode: { sipPorts: [5060, 5070] },
    blocklist: { allow: ['192.0.2.0/24'], allowUsers: ['ops'], ttl: '1d' },
    shutdownTimeout: 30,
    // reloaded: not listed
    track: { callTimeout: '10m' },
    events: { exclude: ['other-ok'] },
    rateLimit: { enabled: false },
    stats: { interval: 60 },
    log: { level: 'debug' },
  });
  assert.deepEqual(restartOnlyChanges(was, now), ['inputs.hep', 'decode.sipPorts', 'blocklist.ttl', 'shutdownTimeout']);
  assert.deepEqual(restartOnlyChanges(was, runConfigSchema.parse({})), [], 'an unchanged file changes nothing');
  assert.deepEqual(trackOptions(now).callTimeout, 600);
});
