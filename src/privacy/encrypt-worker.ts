/**
 * The encryption worker thread (offload.ts): one encryptor made from the packet thread's options,
 * finishing each batch it is sent and answering with the records, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MasterKey } from './keys.js';
import { finishBatch, type WorkerKey, type WorkerSetup } from './offload.js';
import { createEncryptor } from './processor.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
/** An encryptor with the packet thread's groups and modes and this key. */
const make = (key: WorkerKey) =>
  createEncryptor({
    groups: setup.groups,
    ipMode: setup.ipMode,
    cacheSize: setup.cacheSize,
    key: new MasterKey(key.bytes, key.origin),
  });
let enc = make(setup.key);

port.on('message', (batch: unknown[]) => {
  const out: unknown[] = [];
  try {
    enc = finishBatch(enc, batch, out, make);
  } catch (err) {
    // Flag first: the packet thread may be blocked waiting for progress and cannot read messages.
    Atomics.store(setup.progress, 1, 1);
    Atomics.notify(setup.progress, 0);
    port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return;
  }
  // The reply before the count: once the count says "done", the records are on their way.
  port.postMessage(out);
  Atomics.add(setup.progress, 0, 1);
  Atomics.notify(setup.progress, 0);
});
