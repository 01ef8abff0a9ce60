import { z } from 'zod';

/**
 * What the honeypot pretends to be: the product string, the capabilities it advertises and the
 * accounts that "exist". Scanners fingerprint a server by exactly these (svmap prints the Server
 * header, svwar compares the reply for a random user with the reply for each candidate).
 */

/** RFC 3261 §25.1 token: what a method name or an option tag may contain. */
const token = z.string().regex(/^[A-Za-z0-9.!%*_+`'~-]+$/, 'expected a SIP token (letters, digits, . ! % * _ + ` \' ~ -)');

/** Text written into a header: no control characters, so configuration cannot inject header lines. */
const headerText = z.string().min(1).max(128).regex(/^[^\x00-\x1f\x7f]+$/, 'expected printable text without control characters');

/** Written inside a quoted-string (RFC 3261 §25.1): no quote or backslash to escape. */
const realmText = z.string().max(128).regex(/^[^\x00-\x1f\x7f"\\]*$/, 'expected printable text without quotes or backslashes');

/** A SIP URI user part as scanners send it (digits mostly, RFC 3261 §25.1 user unreserved). */
const userText = z.string().min(1).max(64).regex(/^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/, 'expected a SIP user part');

export const personaSchema = z.strictObject({
  name: z.string().min(1).max(64).describe('Persona name (a built-in name, or any label for a custom one).'),
  userAgent: headerText.describe('Product string sent in the Server header.'),
  allow: z.array(token.transform((m) => m.toUpperCase())).min(1).max(32).describe('Methods listed in Allow; other known methods get 405.'),
  realm: realmText.describe('Digest realm of the challenges; empty = the Request-URI host (the domain the peer addressed).'),
  supported: z.array(token).max(16).describe('Option tags listed in Supported.'),
  knownUsers: z.array(userText).max(10_000).describe('Extensions that "exist" (challenged); others get 404. Empty = every user is challenged.'),
  optionsStatus: z.number().int().min(200).max(699).describe('Status code of the reply to OPTIONS.'),
});
export type Persona = z.output<typeof personaSchema>;

export type BuiltinPersonaName = 'asterisk' | 'freeswitch' | 'generic';

export const BUILTIN_PERSONAS: Readonly<Record<BuiltinPersonaName, Persona>> = {
  // Asterisk 18 with chan_pjsip: its Allow and Supported lists, realm "asterisk" by default.
  asterisk: {
    name: 'asterisk',
    userAgent: 'Asterisk PBX 18.20.0',
    allow: ['OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INVITE', 'ACK', 'BYE', 'CANCEL', 'UPDATE', 'PRACK', 'MESSAGE', 'REFER'],
    realm: 'asterisk',
    supported: ['100rel', 'timer', 'replaces', 'norefersub'],
    knownUsers: [],
    optionsStatus: 200,
  },
  // FreeSWITCH 1.10 (mod_sofia): the realm is the domain, by default the address dialled.
  freeswitch: {
    name: 'freeswitch',
    userAgent: 'FreeSWITCH-mod_sofia/1.10.9-release~64bit',
    allow: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'MESSAGE', 'INFO', 'UPDATE', 'REGISTER', 'REFER', 'NOTIFY', 'PUBLISH', 'SUBSCRIBE'],
    realm: '',
    supported: ['timer', 'path', 'replaces'],
    knownUsers: [],
    optionsStatus: 200,
  },
  // A plain RFC 3261 user agent server with no product to recognise.
  generic: {
    name: 'generic',
    userAgent: 'SIP Server',
    allow: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'INFO', 'REFER'],
    realm: 'sip',
    supported: ['replaces', 'timer'],
    knownUsers: [],
    optionsStatus: 200,
  },
};
const BUILTIN_NAMES = Object.keys(BUILTIN_PERSONAS) as [BuiltinPersonaName, ...BuiltinPersonaName[]];

/**
 * Configuration form: a built-in name, or an object whose fields override the built-in of the
 * same name (or `generic` when the name is not a built-in).
 */
export const personaOptionSchema = z
  .union([z.enum(BUILTIN_NAMES), personaSchema.partial().required({ name: true })])
  .transform((v) => resolvePersona(v));

export function resolvePersona(v: BuiltinPersonaName | (Partial<Persona> & { name: string })): Persona {
  if (typeof v === 'string') return clone(BUILTIN_PERSONAS[v]);
  const base = Object.hasOwn(BUILTIN_PERSONAS, v.name) ? BUILTIN_PERSONAS[v.name as BuiltinPersonaName] : BUILTIN_PERSONAS.generic;
  const merged = clone(base);
  for (const [k, value] of Object.entries(v)) {
    if (value !== undefined) (merged as Record<string, unknown>)[k] = value;
  }
  return merged;
}

function clone(p: Persona): Persona {
  return { ...p, allow: [...p.allow], supported: [...p.supported], knownUsers: [...p.knownUsers] };
}
