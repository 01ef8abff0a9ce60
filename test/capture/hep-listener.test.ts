import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counters } from '../../src/base/counters.js';
import { DropNotice } from '../../src/base/drop-notice.js';
import { defaultHepListenerOptions, HepListener } from '../../src/capture/hep-listener.js';
import { dropsOfPort } from '../../src/capture/udp-drops.js';
import { memoryLog } from '../helpers/memory-log.js';

const linux = existsSync('/proc/net/udp');

test('dropsOfPort reads the drops column of the rows bound to a port, IPv4 and IPv6 layouts', () => {
  const udp = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ',
    ' 4422: 0100007F:2364 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1311579 2 000000008808896b 17      ',
    ' 4423: 00000000:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1311580 2 000000008808896c 5       ',
    // A connected socket whose remote port is 9060: not one bound to it.
    ' 4424: 0100007F:D431 0100007F:2364 01 00000000:00000000 00:00000000 00000000     0        0 1311581 2 000000008808896d 99      ',
    '',
  ].join('\n');
  assert.equal(dropsOfPort(udp, 9060), 17);
  assert.equal(dropsOfPort(udp, 5060), 5);
  assert.equal(dropsOfPort(udp, 5061), null, 'no socket on the port');
  const udp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  100: 00000000000000000000000001000000:2364 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0000000000000000 3',
  ].join('\n');
  assert.equal(dropsOfPort(udp6, 9060), 3);
  assert.equal(dropsOfPort('garbage\nwith no columns', 9060), null);
});

test('DropNotice: the first loss at once, then at most one report per interval with what accumulated', () => {
  const n = new DropNotice(60_000);
  assert.equal(n.due(0, 0), 0, 'nothing lost');
  assert.equal(n.due(5, 1000), 5);
  assert.equal(n.due(9, 2000), 0, 'too soon');
  assert.equal(n.due(12, 30_000), 0);
  assert.equal(n.due(12, 61_000), 7, 'everything since the last report');
  assert.equal(n.due(12, 200_000), 0, 'no new loss');
  assert.equal(n.due(3, 300_000), 3, 'a restarted counter counts from zero');
});

test('HEP listener: a receive buffer above net.core.rmem_max is reported at start with what was granted', { skip: !linux }, async () => {
  const max = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const { log, lines } = memoryLog();
  const l = new HepListener({ ...defaultHepListenerOptions, host: '127.0.0.1', port: 0, tcp: false, recvBuffer: 2 * max }, () => {}, new Counters(), log);
  await l.start();
  try {
    assert.equal(l.recvBuffer, max);
    const warn = lines.find((x) => String(x.msg).startsWith('HEP UDP receive buffer smaller than asked'));
    assert.ok(warn, 'warned');
    assert.equal(warn.level, 40);
    assert.equal(warn.asked, 2 * max);
    assert.equal(warn.granted, max);
  } finally {
    await l.stop();
  }
  const quiet = memoryLog();
  const ok = new HepListener({ ...defaultHepListenerOptions, host: '127.0.0.1', port: 0, tcp: false, recvBuffer: 64 * 1024 }, () => {}, new Counters(), quiet.log);
  await ok.start();
  await ok.stop();
  assert.equal(quiet.lines.filter((x) => x.level === 40).length, 0, 'a buffer the kernel grants is not worth a warning');
});

test('HEP listener: datagrams the kernel drops while the probe is busy are counted and warned about, none lost silently', { skip: !linux }, async () => {
  const counters = new Counters();
  const { log, lines } = memoryLog();
  let received = 0;
  const l = new HepListener({ ...defaultHepListenerOptions, host: '127.0.0.1', port: 0, tcp: false, recvBuffer: 8192 }, () => void received++, counters, log);
  await l.start();
  const SENT = 2000;
  try {
    // The sender runs while this thread is blocked in execFileSync: nothing reads the socket, so its small buffer overflows.
    const sender = `const s=require('dgram').createSocket('udp4');const b=Buffer.alloc(1000,0x41);let done=0;for(let i=0;i<${SENT};i++)s.send(b,${l.port},'127.0.0.1',()=>{if(++done===${SENT})s.close()});`;
    execFileSync(process.execPath, ['-e', sender]);
    let drops = 0;
    for (let i = 0; i < 100; i++) {
      l.checkDrops();
      drops = counters.get('capture.hep.udp_kernel_drops');
      if (drops > 0 && received + drops === SENT) break;
      await sleep(20);
    }
    assert.ok(drops > 0, 'the kernel dropped some');
    assert.equal(received + drops, SENT, 'every datagram was either received or counted as dropped');
    assert.equal(counters.get('capture.hep.udp_datagrams'), received);
    const warns = lines.filter((x) => String(x.msg).startsWith('HEP UDP datagrams dropped by the kernel'));
    assert.equal(warns.length, 1, 'one warning, not one per check');
    assert.equal(warns[0]!.port, l.port);
    assert.ok(Number(warns[0]!.dropped) > 0 && Number(warns[0]!.dropped) <= drops);
  } finally {
    await l.stop();
  }
});
