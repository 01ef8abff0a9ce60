/** A request/reply worker for WorkerClient tests: echoes, fails, spins or exits on request. */
import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from '../../src/base/worker-client.js';

// The test runner also loads this file on the main thread, where it has nothing to do.
parentPort?.on('message', (r: { seq: number; op: 'echo' | 'fail' | 'spin' | 'exit'; value?: unknown; ms?: number }) => {
  let reply: WorkerReply;
  if (r.op === 'exit') process.exit(3);
  if (r.op === 'fail') reply = { seq: r.seq, ok: false, error: 'asked to fail', kind: 'query' };
  else {
    if (r.op === 'spin') {
      const end = Date.now() + (r.ms ?? 0);
      while (Date.now() < end); // a query that does not yield
    }
    reply = { seq: r.seq, ok: true, value: r.value };
  }
  parentPort!.postMessage(reply);
});
