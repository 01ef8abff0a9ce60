/**
 * CEF lines: header and extension escaping under hostile values (`|`, `=`, `\`, line breaks),
 * checked by parsing the lines back with an independent CEF reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { cefHeader, cefLine, cefValue } from '../../src/outputs/cef.js';
import { recordFromDocument } from '../../src/events/record.js';
import { REPO_ROOT } from '../helpers/paths.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Splits a CEF line into its 7 header fields (unescaped) and the extension text. */
function parseCef(line: string): { header: string[]; extension: string } {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i]!;
    if (c === '\\' && (line[i + 1] === '|' || line[i + 1] === '\\')) cur += line[++i];
    else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  return { header, extension: line.slice(i) };
}

/** key=value pairs: a key is the word before an unescaped `=`, its value runs to the space before the next key. */
function parseExtension(ext: string): Record<string, string> {
  const eqs: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    if (ext[i] === '\\') i++;
    else if (ext[i] === '=') eqs.push(i);
  }
  const out: Record<string, string> = {};
  eqs.forEach((eq, k) => {
    const key = ext.slice(ext.lastIndexOf(' ', eq) + 1, eq);
    const end = k + 1 < eqs.length ? ext.lastIndexOf(' ', eqs[k + 1]!) : ext.length;
    out[key] = ext.slice(eq + 1, end).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  });
  return out;
}

const hostile = 'a|b=c\\d\ne\r\nf g=';

test('CEF line of an event with hostile values: escaped, and read back intact', () => {
  const r = recordFromDocument({
    '@timestamp': '2024-05-14T08:00:00.156Z',
    event: { kind: 'event', action: 'auth-failed', category: ['authentication'], outcome: 'failure' },
    client: { ip: '192.0.2.7', port: 5062 },
    server: { ip: '198.51.100.1', port: 5060 },
    network: { protocol: 'sip', transport: 'udp' },
    user_agent: { original: hostile },
    user: { name: hostile },
    sip: { call_id: hostile, from: 'sip:x@y', request: { method: 'REGISTER', uri: 'sip:y' }, response: { status: 403, reason: 'Forbidden' } },
  });
  const line = cefLine(r);
  assert.ok(!/[\r\n]/.test(line), 'one line');
  const { header, extension } = parseCef(line);
  assert.deepEqual(header, ['CEF:0', 'sipsentry', 'sipsentry', VERSION, 'auth-failed', 'SIP authentication failed', '5']);
  assert.deepEqual(parseExtension(extension), {
    rt: String(Date.UTC(2024, 4, 14, 8, 0, 0, 156)),
    externalId: r.id,
    src: '192.0.2.7',
    spt: '5062',
    dst: '198.51.100.1',
    dpt: '5060',
    suser: hostile,
    requestMethod: 'REGISTER',
    request: 'sip:y',
    requestClientApplication: hostile,
    outcome: 'failure',
    cat: 'authentication',
    reason: 'Forbidden',
    proto: 'UDP',
    cs1: hostile,
    cs1Label: 'callId',
    cs2: 'sip:x@y',
    cs2Label: 'from',
    cn1: '403',
    cn1Label: 'sipStatus',
  });
  assert.ok(extension.includes('suser=a|b\\=c\\\\d\\ne\\r\\nf g\\='), extension);
});

test('hostile header fields: an unknown action with pipes and backslashes', () => {
  const r = recordFromDocument({ '@timestamp': '2024-05-14T08:00:00.000Z', event: { kind: 'alert', action: 'x|y\\z\nw' } });
  const line = cefLine(r);
  assert.ok(line.startsWith(`CEF:0|sipsentry|sipsentry|${VERSION}|x\\|y\\\\z w|x\\|y\\\\z w|7|rt=`), line);
  assert.deepEqual(parseCef(line).header.slice(4), ['x|y\\z w', 'x|y\\z w', '7']);
});

test('any value survives escaping (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
      const ext = `cs1=${cefValue(a)} cs2=${cefValue(b)} cs2Label=x`;
      assert.deepEqual(parseExtension(ext), { cs1: a, cs2: b, cs2Label: 'x' });
      const h = a.replace(/[\r\n]/g, ' ');
      assert.deepEqual(parseCef(`CEF:0|${cefHeader(a)}|p|v|id|n|3|`).header[1], h);
    }),
    { seed: 42, numRuns: 500 },
  );
});
