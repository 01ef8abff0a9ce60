import { z } from 'zod';
import { LOG_LEVELS } from '../base/log.js';
import { byteSize, duration, hostPort } from '../config/units.js';
import { defaultHepListenerOptions } from '../capture/hep-listener.js';
import { DEFAULT_BPF, defaultLiveCaptureOptions } from '../capture/live-capture.js';
import { defaultNetworkOptions } from '../decode/network-decoder.js';
import { defaultTransportOptions } from '../decode/transport-options.js';
import { blocklistSchema } from '../guard/blocklist/options.js';
import { honeypotSchema } from '../honeypot/honeypot.js';
import { detectSchema } from '../guard/detect/options.js';
import { defaultRateOptions } from '../guard/options.js';
import { spoolSchema } from '../outputs/delivery.js';
import { hookSchema } from '../outputs/hook.js';
import { nftablesSchema } from '../outputs/nftables.js';
import { parsePrivacyConfig, PrivacyConfigError } from '../privacy/config.js';
import { defaultTrackOptions } from '../track/options.js';
import { EventActions } from '../track/track-event.js';
import { OUTPUT_KINDS } from './output-kinds.js';

/**
 * The `sipsentry run` configuration (sipsentry.yml): one strict schema, so an unknown key or a
 * wrong value is an error naming its key and line. Every key has a default; docs/configuration.md
 * and the sample sipsentry.yml list them. Keys are camelCase, durations accept units (`5m`) and
 * sizes too (`100MiB`).
 */
const port = z.number().int().min(1).max(65535);
const ports = z.array(port);

const interfaceSchema = z.strictObject({
  name: z.string().min(1).describe('Interface name, or `any` for every interface (Linux).'),
  bpf: z.string().default(DEFAULT_BPF).describe('BPF capture filter (tcpdump syntax); the default keeps SIP ports, HEP, VXLAN, GTP-U, GRE and IP fragments.'),
  snaplen: z.number().int().min(256).max(262144).default(defaultLiveCaptureOptions.snaplen).describe('Bytes kept per packet.'),
  bufferSize: byteSize().default(defaultLiveCaptureOptions.bufferSize).describe('Kernel capture buffer: what absorbs bursts.'),
  promiscuous: z.boolean().default(defaultLiveCaptureOptions.promiscuous).describe('Capture traffic not addressed to this host (SPAN/mirror ports need it).'),
});

const hepSchema = z.strictObject({
  listen: hostPort().prefault(`${defaultHepListenerOptions.host}:${defaultHepListenerOptions.port}`).describe('Address and port HEP senders send to.'),
  udp: z.boolean().default(true),
  tcp: z.boolean().default(true),
  maxConnections: z.number().int().min(1).default(defaultHepListenerOptions.maxConnections),
  idleTimeout: duration().default(defaultHepListenerOptions.idleTimeout).describe('TCP senders silent this long are disconnected.'),
  recvBuffer: byteSize().default(defaultHepListenerOptions.recvBuffer).describe('UDP receive buffer asked of the kernel: what absorbs bursts (Linux caps it at net.core.rmem_max).'),
});

const inputsSchema = z.strictObject({
  interfaces: z.array(z.union([z.string().min(1).transform((name) => interfaceSchema.parse({ name })), interfaceSchema])).default([]).describe('Live interfaces (a name, or an object with capture settings).'),
  hep: z.array(hepSchema).default([]).describe('HEP listeners.'),
  files: z.array(z.string().min(1)).default([]).describe('Capture files read at start-up, before live inputs.'),
  honeypot: z.array(honeypotSchema).default([]).describe('Honeypot listeners: answer SIP like a PBX, never let anyone in, alert on and list every source (docs/detection.md).'),
});

const decodeSchema = z.strictObject({
  sipPorts: ports.default([...defaultTransportOptions.sipPorts]),
  tlsPorts: ports.default([...defaultTransportOptions.tlsPorts]),
  hepPorts: ports.default([...defaultTransportOptions.hepPorts]).describe('Captured (not received) traffic on these ports is HEP.'),
  hepAuthKey: z.string().nullable().default(null).describe('When set, HEP3 packets (received or captured) must carry this key (chunk 14); others are dropped and counted.'),
  hepAuthKeyEnv: z.string().nullable().default(null).describe('Environment variable holding the HEP key (keeps it out of the file).'),
  vxlanPorts: ports.default([...defaultNetworkOptions.vxlanPorts]),
  gtpuPorts: ports.default([...defaultNetworkOptions.gtpuPorts]),
  genevePorts: ports.default([...defaultNetworkOptions.genevePorts]),
  maxMessageBytes: byteSize().default(defaultTransportOptions.maxMessageBytes),
  tcpMaxStreams: z.number().int().min(1).default(defaultTransportOptions.tcp.maxStreams),
  tcpIdleTimeout: duration().default(defaultTransportOptions.tcp.idleTimeoutUs / 1e6),
  fragmentSets: z.number().int().min(1).default(defaultNetworkOptions.fragments.maxSets),
});

const t = defaultTrackOptions;
const trackSchema = z.strictObject({
  callTimeout: duration().default(t.callTimeout).describe('An established call silent this long ends with originator timeout.'),
  keepaliveWindow: duration().default(t.keepaliveWindow).describe('Repeated successful OPTIONS pings within this window are keep-alives.'),
  regExpiryGrace: duration().default(t.regExpiryGrace).describe('Grace after a binding expires before reg-expired.'),
  transactionTimeout: duration().default(t.transactionTimeout),
  inviteProceedingTimeout: duration().default(t.inviteProceedingTimeout),
  maxTransactions: z.number().int().min(1).default(t.maxTransactions),
  maxCalls: z.number().int().min(1).default(t.maxCalls),
  maxBindings: z.number().int().min(1).default(t.maxBindings),
});

const eventsSchema = z.strictObject({
  exclude: z.array(z.enum(EventActions)).default([]).describe('Event types not written (still counted); reloadable.'),
});

const r = defaultRateOptions;
const rateSchema = z.strictObject({
  enabled: z.boolean().default(r.enabled),
  windows: z.array(z.strictObject({ seconds: duration(), limit: z.number().int().min(1) })).min(1).max(8)
    .default(r.windows.map((w) => ({ ...w }))).describe('Per (event type, client IP): more than `limit` in `seconds` starts a back-off episode.'),
  firstReport: z.number().int().min(2).default(r.firstReport),
  maxReportInterval: z.number().int().min(1).default(r.maxReportInterval),
  maxKeys: z.number().int().min(1).default(r.maxKeys),
  idleTimeout: duration().default(r.idleTimeout),
});

/** Where `sipsentry run` serves the HTTP API and web UI unless told otherwise. */
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:8080';

const httpSchema = z.strictObject({
  listen: hostPort('127.0.0.1', true)
    .nullable()
    .prefault(DEFAULT_HTTP_LISTEN)
    .describe('HTTP API, metrics and web UI; null = off; port 0 = any free port (logged). When the default address is taken the probe runs without it (a warning); a configured one must bind.'),
  token: z.string().min(16).nullable().default(null).describe('Bearer token; required for a non-loopback address and for changes.'),
  tokenEnv: z.string().nullable().default(null).describe('Environment variable holding the token.'),
  ui: z.boolean().default(true).describe('Serve the web UI under /ui/.'),
  queryTimeout: duration().pipe(z.number().positive()).default(10).describe('An event-store query (search, dashboard) running longer is stopped and answered 503.'),
  callFlows: z
    .strictObject({
      maxBytes: byteSize().default(32 * 1024 * 1024).describe('Recent SIP messages kept for call-flow ladders and per-call pcap downloads; 0 = off.'),
      maxPerCall: z.number().int().min(1).default(500).describe('Messages kept per Call-ID (later ones are counted).'),
    })
    .prefault({}),
});

const apibanSchema = z.strictObject({
  keys: z.array(z.string().min(8)).default([]).describe('API keys APIBAN clients put in the URL (v1) or the Bearer header (v2); none = the APIBAN API is off.'),
  keysEnv: z.string().nullable().default(null).describe('Environment variable holding more keys, comma-separated.'),
  requests: z.number().int().min(1).default(11).describe('Requests per key allowed per `per` seconds (apiban.org: 11 per 120 s).'),
  per: duration().pipe(z.number().positive()).default(120),
});

const outputEntry = z.looseObject({ type: z.string().optional() });

export const runConfigSchema = z.strictObject({
  inputs: inputsSchema.prefault({}),
  decode: decodeSchema.prefault({}),
  track: trackSchema.prefault({}),
  events: eventsSchema.prefault({}),
  rateLimit: rateSchema.prefault({}),
  detect: detectSchema.prefault({}).describe('Attack detectors (docs/detection.md).'),
  blocklist: blocklistSchema.prefault({}).describe('Offending addresses, the allowlist, and their TTL (docs/detection.md).'),
  apiban: apibanSchema.prefault({}).describe('APIBAN-compatible API on the HTTP listener.'),
  enforce: z.strictObject({
    nftables: nftablesSchema.nullable().default(null).describe('Keep an nftables set (or an nft/ipset file) in sync with the blocklist; null = off.'),
    hooks: z.array(hookSchema).default([]).describe('Webhooks and commands told about every alert, ban and unban.'),
  }).prefault({}).describe('Carrying the blocklist to firewalls and other systems (docs/detection.md).'),
  stats: z.strictObject({ interval: duration().default(300).describe('Seconds between stats documents; 0 = only at shutdown.') }).prefault({}),
  privacy: z.record(z.string(), z.unknown()).default({}).superRefine((v, ctx) => {
    try {
      parsePrivacyConfig(v);
    } catch (err) {
      if (!(err instanceof PrivacyConfigError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message.replace(/^privacy\.\S+: /, '') });
    }
  }).describe('Field encryption (docs/privacy.md).'),
  outputs: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), outputEntry).default({}).transform((entries, ctx) => {
    const out: Array<{ kind: string; options: unknown }> = [];
    for (const [name, entry] of Object.entries(entries)) {
      const { type, ...rest } = entry;
      const kindName = type ?? name;
      const kind = OUTPUT_KINDS.get(kindName);
      if (kind === undefined) {
        ctx.addIssue({ code: 'custom', path: [name, ...(type === undefined ? [] : ['type'])], message: `unknown output kind "${kindName}" (kinds: ${[...OUTPUT_KINDS.keys()].join(', ')}); set type: to use another name` });
        continue;
      }
      const parsed = kind.schema.safeParse({ ...rest, name });
      if (!parsed.success) {
        for (const i of parsed.error.issues) ctx.addIssue({ ...i, path: [name, ...i.path] } as z.core.$ZodRawIssue);
        continue;
      }
      out.push({ kind: kindName, options: parsed.data });
    }
    return out;
  }).describe('Named outputs; the name is the kind unless `type:` says otherwise. None configured: SQLite.'),
  spool: spoolSchema.prefault({}),
  http: httpSchema.prefault({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  shutdownTimeout: duration().default(10).describe('On SIGTERM, how long outputs may take to drain before the rest stays in the spool.'),
});

export type RunConfig = z.output<typeof runConfigSchema>;
