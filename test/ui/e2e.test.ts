// The web UI end to end: sipsentry reads lab/captures/basic.pcap into an SQLite store and keeps its
// HTTP server up (--stay); Chromium (playwright-core) drives the pages. Expectations come from
// `sipsentry replay` and `sipsentry messages` on the same capture, not from numbers written here.
// Screenshots of every step go to test-artifacts/ui/.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'e2e-token-' + Math.random().toString(36).slice(2).padEnd(12, 'x');
const BAN_IP = '198.51.100.23';
const STEP_MS = 20_000;

const ROOT = REPO_ROOT;
const BIN = join(ROOT, 'bin', 'sipsentry.js');
const CAPTURE = join(ROOT, 'lab', 'captures', 'basic.pcap');
const SHOTS = join(ROOT, 'test-artifacts', 'ui');

const skip = !existsSync(CHROMIUM) && !process.env['CI'] ? `${CHROMIUM} is missing (apt-get install chromium); the web UI test needs it (it fails instead when CI is set)` : false;

type Doc = Record<string, any>;

function sipsentry(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, `sipsentry ${args.join(' ')} failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

const ndjson = (text: string): Doc[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Doc);

interface Expected {
  byAction: Map<string, number>;
  total: number;
  /** Registration bindings alive at the end (replay's summary). */
  bindings: number;
  /** Every SIP message of the capture in capture order (`sipsentry messages`). */
  messages: Doc[];
}

function expectations(): Expected {
  const replay = sipsentry(['replay', CAPTURE]);
  const byAction = new Map<string, number>();
  let total = 0;
  for (const d of ndjson(replay.stdout)) {
    if (d['event']?.kind !== 'event') continue;
    byAction.set(d['event'].action, (byAction.get(d['event'].action) ?? 0) + 1);
    total++;
  }
  const m = /still alive at end: \d+ call\(s\), (\d+) binding\(s\)/.exec(replay.stderr);
  assert.ok(m !== null, 'replay summary names the bindings still alive: ' + replay.stderr);
  const messages = ndjson(sipsentry(['messages', CAPTURE]).stdout).filter((x) => x['kind'] === 'sip');
  assert.ok(total > 0 && messages.length > 0, 'the capture gives events and messages');
  return { byAction, total, bindings: Number(m[1]), messages };
}

/** What the ladder should label a message: the method of a request, `status reason` of a response. */
function labelOf(msg: Doc): string {
  return typeof msg['status'] === 'number' ? `${msg['status']} ${msg['reason'] ?? ''}`.trim() : String(msg['method']);
}

interface Server {
  child: ChildProcess;
  base: string;
  stderr: string[];
}

/** Starts `sipsentry run … --stay` and resolves with its URL once it logs the HTTP port. */
function startServer(dbDir: string): Promise<Server> {
  const args = ['run', '-f', CAPTURE, '--stay', '--http', '127.0.0.1:0', '-o', `sqlite:${join(dbDir, 'events.db')}`, '-E', `http.token=${TOKEN}`, '--log-level', 'info'];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dbDir, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "HTTP API listening" line within 30 s:\n' + stderr.join('\n'))), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sipsentry run exited (${code}) before listening:\n${stderr.join('\n')}`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr.push(line);
      let rec: Doc;
      try {
        rec = JSON.parse(line) as Doc;
      } catch {
        return;
      }
      if (rec['msg'] === 'HTTP API listening' && typeof rec['port'] === 'number') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, base: `http://127.0.0.1:${rec['port']}`, stderr });
      }
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = STEP_MS): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last !== null ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let step = 0;
async function shot(page: Page, name: string): Promise<void> {
  step++;
  await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}

describe('web UI (Chromium)', { skip, timeout: 240_000 }, () => {
  let server: Server | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let tmp = '';
  let exp: Expected;
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (CI is set, so this is a failure)`);
    assert.ok(existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')), 'sipsentry is not built: npm run build');
    if (!existsSync(join(ROOT, 'dist', 'ui', 'app.js'))) sipsentryBuildUi();
    // Only this run's screenshots: the folder is this test's.
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    exp = expectations();
    tmp = mkdtempSync(join(tmpdir(), 'sipsentry-ui-'));
    server = await startServer(tmp);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: false });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(STEP_MS);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server !== null) await stopServer(server.child);
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the page at / and shows the dashboard with the capture’s numbers', async () => {
    await page.goto(server!.base + '/');
    assert.match(page.url(), /\/ui\/(#.*)?$/, '/ redirects to /ui/');
    await page.getByTestId('nav-dashboard').click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByTestId('status').filter({ hasText: 'sipsentry' }).waitFor();

    // Events by type: the store fills while the page polls (every 5 s), so wait for the full counts.
    const want = [...exp.byAction.entries()].sort();
    const seen = await until('events by type equal to replay', async () => {
      const rows = await page.getByTestId('by-action-row').all();
      const got: [string, number][] = [];
      for (const r of rows) got.push([(await r.getAttribute('data-key'))!, Number(await r.getByTestId('by-action-count').textContent())]);
      got.sort();
      return JSON.stringify(got) === JSON.stringify(want) ? got : null;
    }, 30_000).catch(async (err) => {
      await shot(page, 'dashboard-failed');
      throw err;
    });
    assert.deepEqual(seen, want);
    const total = async (id: string): Promise<number> => Number(((await page.getByTestId(id).textContent()) ?? '').replace(/,/g, ''));
    assert.equal(await total('total-events'), exp.total);
    assert.equal(await total('active-registrations'), exp.bindings);
    // Calls: the card shows what the API counts (the pending INVITE stays an early call here).
    const calls = (await (await fetch(server!.base + '/api/v1/calls')).json()) as { total: number };
    assert.equal(await total('active-calls'), calls.total);
    // The rates chart drew (uPlot canvas) and top sources are listed.
    await page.locator('[data-testid="rates-chart"] canvas').first().waitFor();
    assert.ok((await page.getByTestId('top-sources-row').count()) > 0, 'top sources listed');
    await shot(page, 'dashboard');
  });

  it('filters events by action', async () => {
    await page.getByTestId('nav-events').click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await until('the unfiltered list', async () => (await page.getByTestId('event-row').count()) === Math.min(exp.total, 100));

    // Cursor pages: 25 rows, then "Older" appends the next page, newest first throughout.
    const size = 25;
    assert.ok(exp.total > size, `the capture gives more than ${size} events`);
    await page.getByLabel('Rows').selectOption(String(size));
    await page.getByRole('button', { name: 'Search' }).click();
    await until(`${size} rows`, async () => (await page.getByTestId('event-row').count()) === size);
    await page.getByRole('button', { name: 'Older' }).click();
    await until('the second page', async () => (await page.getByTestId('event-row').count()) === Math.min(exp.total, 2 * size));
    const times = await page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => Date.parse(r.querySelector('td')?.getAttribute('title') ?? '')));
    assert.ok(times.every((t, i) => Number.isFinite(t) && (i === 0 || t <= times[i - 1]!)), 'newest first across the pages');
    if (exp.total <= 2 * size) assert.equal(await page.getByRole('button', { name: 'Older' }).count(), 0, 'no older page after the last');
    await shot(page, 'events-pages');
    await page.getByLabel('Rows').selectOption('100');

    for (const actions of [['call-end'], ['call-start', 'auth-failed']]) {
      for (const box of await page.locator('[data-testid^="filter-action-"]').all()) await box.uncheck();
      for (const a of actions) await page.getByLabel(a, { exact: true }).check();
      await page.getByRole('button', { name: 'Search' }).click();
      const want = actions.reduce((n, a) => n + (exp.byAction.get(a) ?? 0), 0);
      assert.ok(want > 0, `the capture has ${actions.join(', ')} events`);
      await until(`${want} rows of ${actions.join(', ')}`, async () => {
        const got = await page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
        return got.length === want && got.every((a) => a !== null && actions.includes(a));
      });
      assert.match(page.url(), new RegExp(`action=${encodeURIComponent(actions.join(','))}`));
      await shot(page, 'events-' + actions.join('+'));
    }
  });

  it('opens the call flow of an event as a ladder of the dialog’s messages', async () => {
    // The call-start rows are on the page from the previous step.
    await page.getByLabel('auth-failed', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Search' }).click();
    await until('call-start rows only', async () => {
      const got = await page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
      return got.length === exp.byAction.get('call-start') && got.every((a) => a === 'call-start');
    });
    await page.getByTestId('event-row').first().click();
    const detail = page.getByTestId('event-detail');
    await detail.waitFor();
    const doc = JSON.parse((await detail.getByTestId('event-json').textContent()) ?? '{}') as Doc;
    const callId = doc['sip']?.['call_id'] as string;
    assert.ok(typeof callId === 'string' && callId !== '', 'the event carries a Call-ID');
    await shot(page, 'event-detail');

    await detail.getByTestId('flow-link').click();
    await page.getByRole('heading', { name: /Call flow/ }).waitFor();
    assert.equal(await page.getByTestId('flow-callid').textContent(), callId);

    const dialog = exp.messages.filter((m) => m['call_id'] === callId);
    assert.ok(dialog.length >= 3, `the dialog ${callId} has messages in the capture`);
    const arrows = page.getByTestId('flow-arrow');
    await until('the ladder arrows', async () => (await arrows.count()) === dialog.length);
    const labels = await arrows.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-label')));
    assert.deepEqual(labels, dialog.map(labelOf), 'one arrow per message, labelled like the message, in order');
    // Each arrow's text shows the label (and marks retransmissions); one lifeline per party.
    const shown = await page.getByTestId('flow-arrow-label').allTextContents();
    const retrans = await arrows.evaluateAll((gs) => gs.map((g) => g.classList.contains('retransmission')));
    assert.deepEqual(shown, dialog.map((m, i) => labelOf(m) + (retrans[i] ? ' (retransmission)' : '')));
    // Retransmissions: the same message again on the same hop (start line, Via branch, CSeq, tags).
    const key = (m: Doc): string => JSON.stringify([m['src'], m['dst'], m['start_line'], m['via_branch'], m['cseq'], m['from_tag'], m['to_tag']]);
    const wantRetrans = dialog.map((m, i) => dialog.slice(0, i).some((p) => key(p) === key(m)));
    assert.deepEqual(retrans, wantRetrans, 'retransmissions marked as in the capture');
    const dashes = await page.locator('[data-testid="flow-arrow"].retransmission line.msg').evaluateAll((ls) => ls.map((l) => String((globalThis as any).getComputedStyle(l).strokeDasharray)));
    assert.ok(dashes.every((d) => d !== 'none' && d !== ''), 'retransmissions are dashed');
    const parties = new Set(dialog.flatMap((m) => [`${m['src'].ip}:${m['src'].port}`, `${m['dst'].ip}:${m['dst'].port}`]));
    assert.equal(await page.getByTestId('flow-party').count(), parties.size);
    // Offsets start at +0 ms.
    assert.equal(await page.getByTestId('flow-offset').first().textContent(), '+0 ms');
    await shot(page, 'flow');

    // Click an arrow: the raw message.
    await arrows.first().click();
    const text = page.getByTestId('flow-message-text');
    await text.waitFor();
    assert.ok(((await text.textContent()) ?? '').startsWith(`${dialog[0]!['method']} `), 'the first message is the INVITE, as captured');
    await page.getByTestId('pcap-link').waitFor();
    await shot(page, 'flow-message');
  });

  it('bans and unbans an address with the API token', async () => {
    // Without the token a ban is refused, and the page says why.
    await page.getByTestId('nav-attackers').click();
    await page.getByRole('heading', { name: 'Attackers' }).waitFor();
    await page.getByLabel('IP address').fill(BAN_IP);
    await page.getByLabel('Reason').fill('e2e test');
    await page.getByLabel('TTL').fill('2h');
    await page.getByRole('button', { name: 'Ban', exact: true }).click();
    const refused = page.getByTestId('action-error');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /^40[13]: \S/, 'the error text of the response is shown');
    await shot(page, 'ban-refused');

    await page.getByTestId('nav-settings').click();
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.getByTestId('token-state').filter({ hasText: 'A token is set.' }).waitFor();
    await shot(page, 'settings-token');

    await page.getByTestId('nav-attackers').click();
    await page.getByLabel('IP address').fill(BAN_IP);
    await page.getByLabel('Reason').fill('e2e test');
    await page.getByLabel('TTL').fill('2h');
    await page.getByRole('button', { name: 'Ban', exact: true }).click();
    const row = page.locator(`[data-testid="blocklist-row"][data-ip="${BAN_IP}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], BAN_IP);
    assert.equal(cells[1], 'e2e test');
    assert.equal(cells[2], 'manual');
    assert.match(cells[6] ?? '', /^(2 h 00 min|1 h 59 min)$/, 'TTL left of a 2 h ban');
    await shot(page, 'banned');

    await row.getByRole('button', { name: `Unban ${BAN_IP}` }).click();
    await row.waitFor({ state: 'detached' });
    const list = (await (await fetch(server!.base + '/api/v1/blocklist')).json()) as { entries: { ip: string }[] };
    assert.ok(!list.entries.some((e) => e.ip === BAN_IP), 'the API no longer lists it');
    await shot(page, 'unbanned');
  });

  it('ran without page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});

function sipsentryBuildUi(): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, 'building the UI failed: ' + r.stderr);
}
