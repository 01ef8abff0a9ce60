import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerClient, WorkerRequestError } from '../../src/base/worker-client.js';

const URL_ = new URL('../helpers/echo-worker.js', import.meta.url);

function kindOf(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => 'ok',
    (err: unknown) => (err instanceof WorkerRequestError ? err.kind : 'other'),
  );
}

test('WorkerClient: answers in order, worker errors keep their kind, a time-out stops the thread and fails what waits, the next request starts a new thread', async () => {
  const c = new WorkerClient(URL_, 'test');
  assert.equal(c.running, false, 'started by the first request, not before');
  assert.deepEqual(await Promise.all([c.request({ op: 'echo', value: 1 }), c.request({ op: 'echo', value: { a: [2] } })]), [1, { a: [2] }]);
  assert.equal(c.running, true);
  await assert.rejects(c.request({ op: 'fail' }), (err: unknown) => err instanceof WorkerRequestError && err.kind === 'query' && err.message === 'asked to fail');
  assert.equal(c.running, true, 'a failed request leaves the thread running');

  // A runaway request: it and the one queued behind it fail; the thread is stopped.
  const slow = kindOf(c.request({ op: 'spin', ms: 5000 }, 100));
  const queued = kindOf(c.request({ op: 'echo', value: 3 }));
  const t0 = Date.now();
  assert.deepEqual(await Promise.all([slow, queued]), ['timeout', 'timeout']);
  assert.ok(Date.now() - t0 < 4000, 'not waiting for the spin to end');
  assert.equal(c.running, false);
  assert.equal(await c.request({ op: 'echo', value: 4 }, 5000), 4, 'a new thread answers');

  // A thread that dies fails what waits on it, named by its exit.
  await assert.rejects(c.request({ op: 'exit' }), (err: unknown) => err instanceof WorkerRequestError && err.kind === 'died' && /exited \(code 3\)/.test(err.message));
  assert.equal(c.running, false);
  assert.equal(await c.request({ op: 'echo', value: 5 }), 5);
  await c.terminate();
  assert.equal(c.running, false);
});
