/** Public API of the honeypot input: a SIP listener that answers like a PBX and reports its sources. */
export { Honeypot, honeypotSchema } from './honeypot.js';
export type { BoundAddress, HoneypotOptions, HoneypotSink, SourceReporter } from './honeypot.js';
export { BUILTIN_PERSONAS, personaOptionSchema, personaSchema, resolvePersona } from './persona.js';
export type { BuiltinPersonaName, Persona } from './persona.js';
export { MAX_RESPONSE_BYTES, respond, rewriteTopVia, toTag } from './responder.js';
export type { Answer, ResponderContext } from './responder.js';
export { payloadKind } from './payload-kind.js';
