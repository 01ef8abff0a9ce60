import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toEcs, type EcsDocument } from '../../src/events/ecs-event.js';
import { MasterKey } from '../../src/privacy/keys.js';
import type { TrackEvent } from '../../src/track/track-event.js';
import { FIXTURES, REPO_ROOT, SHARED_PCAPS } from '../helpers/paths.js';

/** Fixed test keys (never used outside tests). */
export const KEY_A = new MasterKey(Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 'test key A');
export const KEY_B = new MasterKey(Buffer.alloc(32, 0xb5), 'test key B');

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
