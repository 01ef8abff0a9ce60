/**
 * Polls an APIBAN check URL every 50 ms until the address is listed, then writes the wall-clock
 * time (ms) and the probe's blocklist entry to OUTFILE; runs until SIGTERM (a lab probe command).
 * Usage: node apiban-watch.js CHECK_URL BLOCKLIST_URL OUTFILE
 */
import { writeFileSync } from 'node:fs';

const [checkUrl, listUrl, outFile] = process.argv.slice(2);
// The test runner also loads every file under test/: without arguments there is nothing to watch.
if (checkUrl === undefined || listUrl === undefined || outFile === undefined) process.exit(0);
let done = false;
process.on('SIGTERM', () => process.exit(0));

async function poll(): Promise<void> {
  while (!done) {
    try {
      const r = await fetch(checkUrl!);
      if (r.status === 200) {
        const seenMs = Date.now();
        const entries = (await (await fetch(listUrl!)).json()) as unknown;
        writeFileSync(outFile!, JSON.stringify({ seenMs, check: await r.json(), entries }));
        done = true;
        break;
      }
      await r.body?.cancel();
    } catch {
      // the probe's HTTP listener is not up yet
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  // Stay alive until the lab stops its probes.
  setInterval(() => {}, 1 << 30);
}
void poll();
