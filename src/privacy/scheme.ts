import { GROUPS, type Group, type IpMode } from './config.js';

/**
 * The value of an event's key-id field: `<key id>/<groups>`, e.g.
 * `3f9a1c0b/ips,uris,call_id,user,user_agent`, with `,ip-full` appended when addresses (in IP
 * fields and URI hosts) use ipcrypt instead of Crypto-PAn. It tells a reader which key encrypted
 * the event and which fields are ciphertext; an event without it is plaintext. All events of one
 * key: prefix query `3f9a1c0b/`.
 */
export interface Scheme {
  keyId: string;
  groups: ReadonlySet<Group>;
  ipMode: IpMode;
}

const IP_FULL = 'ip-full';

export function formatScheme(keyId: string, groups: readonly Group[], ipMode: IpMode): string {
  const names: string[] = GROUPS.filter((g) => groups.includes(g));
  if (ipMode === 'full' && (groups.includes('ips') || groups.includes('uris'))) names.push(IP_FULL);
  return `${keyId}/${names.join(',')}`;
}

export function parseScheme(text: string): Scheme | null {
  const m = /^([0-9a-f]{8})\/([a-z_,-]*)$/.exec(text);
  if (m === null) return null;
  const groups = new Set<Group>();
  let ipMode: IpMode = 'prefix';
  for (const name of m[2]!.split(',')) {
    if (name === '') continue;
    if (name === IP_FULL) ipMode = 'full';
    else if ((GROUPS as readonly string[]).includes(name)) groups.add(name as Group);
    else return null;
  }
  return { keyId: m[1]!, groups, ipMode };
}
