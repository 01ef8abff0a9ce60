// Shapes of the sipsentry HTTP API (/api/v1/…) as the UI reads them.

/** An ECS document (event, alert or metric) as stored: nested objects, dotted paths. */
export type Doc = Record<string, unknown>;

export type IpMode = 'prefix' | 'full';

export interface Encryption {
  keyId: string;
  groups: string[];
  ipMode: IpMode;
}

export interface Info {
  version: string;
  live: boolean;
  /** Milliseconds on the probe's clock (packet time for files). */
  nowMs: number;
  encryption: Encryption | null;
  store: boolean;
  callFlows: boolean;
  blocklist: boolean;
  tokenConfigured: boolean;
}

export interface EventsPage {
  events: Doc[];
  next: string | null;
}

export interface Summary {
  byAction: { action: string; count: number }[];
  topSources: { ip: string; count: number }[];
  topUsers: { user: string; count: number }[];
  alertsByRule: { rule: string; count: number }[];
}

export type { RatePoint } from '../../src/server/rate-history.js';
import type { RatePoint } from '../../src/server/rate-history.js';

export interface Rates {
  intervalS: number;
  points: RatePoint[];
}

export interface Endpoint {
  ip: string;
  port: number;
}

export interface ActiveCall {
  callId: string;
  from: string | null;
  to: string | null;
  state: 'early' | 'confirmed';
  createdAt: string;
  startedAt: string | null;
  client: Endpoint;
  server: Endpoint;
}

export interface CallsPage {
  calls: ActiveCall[];
  total: number;
  truncated: boolean;
}

export interface Binding {
  aor: string;
  contact: string;
  registeredAt: string;
  expiresAt: string;
  client: Endpoint;
  userAgent: string | null;
}

export interface BindingsPage {
  bindings: Binding[];
  total: number;
  truncated: boolean;
}

export type { FlowMessage } from '../../src/server/call-flow.js';
import type { FlowMessage } from '../../src/server/call-flow.js';

export interface Flow {
  callId: string;
  parties: string[];
  messages: FlowMessage[];
  truncated: boolean;
  pcap: boolean;
}

export interface BlockEntry {
  ip: string;
  seq: number;
  reason: string;
  origin: string;
  hits: number;
  firstSeen: string;
  lastSeen: string;
  expires: string;
}

export interface BlocklistPage {
  entries: BlockEntry[];
  next: number | string | null;
}

export interface AllowEntry {
  cidr: string;
  note?: string;
  origin?: string;
  [k: string]: unknown;
}

/** The twelve event types (docs/events.md). */
export const ACTIONS = [
  'call-attempt',
  'call-start',
  'call-end',
  'reg-new',
  'reg-del',
  'reg-expired',
  'auth-failed',
  'other-ok',
  'other-failed',
  'other-timeout',
  'parse-error',
  'msg-probe',
] as const;

/** The in-browser decryptor (ui/src/crypto/decryptor.ts, loaded on demand). */
export interface BrowserDecryptor {
  keyId: string;
  decryptDoc(doc: Doc): Doc;
  decryptIp(ct: string, ipMode?: IpMode): string | null;
  decryptCallId(ct: string): string | null;
}
