import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toEcs, type EcsDocument } from '../../src/events/ecs-event.js';
import { MasterKey } from '../../src/privacy/keys.js';
import { TrackEvent } from '../../src/track/track-event.js';
import { FIXTURES, REPO_ROOT, SHARED_PCAPS } from '../helpers/paths.js';

/** Fixed test keys (never used outside tests). */
export const KEY_A = new MasterKey(Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 'test key A');
export const KEY_B = new MasterKey(Buffer.alloc(32, 0xb5), 'test key B');

/** An auth-failed event with every encryptable field set (IPv4 client, IPv6 server, extension method in the trace). */
export function authFailedSample(): TrackEvent {
  const e = new TrackEvent('auth-failed', 1_715_677_200_000_000);
  e.client = { ip: '192.0.2.10', port: 5060 };
  e.server = { ip: '2001:db8::5', port: 5061 };
  e.transport = 'udp';
  e.callId = '3c26700a1a3a@192.0.2.10';
  e.from = 'sip:alice@example.com;user=phone';
  e.to = 'sip:+4930123456@example.com';
  e.fromTag = 'as1f2e';
  e.requestUri = 'sip:+4930123456@192.0.2.20:5060;transport=udp';
  e.method = 'INVITE';
  e.status = 403;
  e.reason = 'Forbidden';
  e.contact = 'sip:alice@192.0.2.10:5060;ob';
  e.userAgent = 'Yealink SIP-T46S 66.86.0.15';
  e.serverAgent = 'Kamailio 5.7';
  e.pai = 'tel:+4930999';
  e.user = 'alice';
  e.realm = 'example.com';
  e.trace = '>INVITE <407 >ACK >INVITE{1} <403 >FROB';
  e.encap = ['eth', 'ipv4', 'udp'];
  return e;
}

/**
 * The ECS document of an event, with the key-id field: until the events stage emits `keyId`
 * itself as `sip.key_id`, the tests add it the same way.
 */
export function ecsOf(e: TrackEvent): EcsDocument {
  const doc = toEcs(e);
  const keyId = (e as TrackEvent & { keyId?: string | null }).keyId;
  const sip = doc.sip as Record<string, unknown>;
  if (keyId && sip.key_id === undefined) sip.key_id = keyId;
  return doc;
}

function captures(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Every capture the project replays in tests: public, fixtures, lab. */
export function allCaptures(): string[] {
  return [...captures(SHARED_PCAPS), ...captures(FIXTURES), ...captures(join(REPO_ROOT, 'lab', 'captures'))];
}
