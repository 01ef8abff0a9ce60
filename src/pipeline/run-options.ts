import type { HepListenerOptions } from '../capture/hep-listener.js';
import type { LiveCaptureOptions } from '../capture/live-capture.js';
import { defaultNetworkOptions } from '../decode/network-decoder.js';
import { defaultTransportOptions } from '../decode/transport-options.js';
import type { GuardConfig } from '../guard/options.js';
import { defaultRateOptions } from '../guard/options.js';
import { spoolSchema } from '../outputs/delivery.js';
import type { OutputSpec } from '../outputs/output-set.js';
import { secret } from '../outputs/secret.js';
import { defaultTrackOptions, type TrackOptions } from '../track/options.js';
import type { DecodeOptions } from './decode-chain.js';
import { OUTPUT_KINDS } from './output-kinds.js';
import type { ProbeOptions } from './probe.js';
import type { RunConfig } from './run-config.js';

export function decodeOptions(c: RunConfig): DecodeOptions {
  const d = c.decode;
  return {
    network: { ...defaultNetworkOptions, vxlanPorts: d.vxlanPorts, gtpuPorts: d.gtpuPorts, genevePorts: d.genevePorts, fragments: { ...defaultNetworkOptions.fragments, maxSets: d.fragmentSets } },
    transport: {
      ...defaultTransportOptions,
      sipPorts: d.sipPorts,
      tlsPorts: d.tlsPorts,
      hepPorts: d.hepPorts,
      hepAuthKey: secret(d.hepAuthKey, d.hepAuthKeyEnv, 'decode.hepAuthKeyEnv'),
      maxMessageBytes: d.maxMessageBytes,
      tcp: { ...defaultTransportOptions.tcp, maxStreams: d.tcpMaxStreams, idleTimeoutUs: d.tcpIdleTimeout * 1e6 },
    },
  };
}

export function guardConfig(c: RunConfig): GuardConfig {
  return {
    exclude: c.events.exclude,
    rate: { ...defaultRateOptions, ...c.rateLimit },
    statsInterval: c.stats.interval,
    detect: c.detect,
  };
}

export function trackOptions(c: RunConfig): TrackOptions {
  return { ...defaultTrackOptions, ...c.track };
}

/**
 * Sections read once at start, with the keys in them a reload does apply (null: none). Everything
 * else (track, events, rateLimit, detect, stats, log, outputs, spool) follows a reload; privacy
 * reports its own.
 */
const READ_AT_START: ReadonlyArray<[section: keyof RunConfig, reloaded: readonly string[]]> = [
  ['inputs', []], ['decode', []], ['http', []], ['apiban', []], ['enforce', []], ['blocklist', ['allow', 'allowUsers']], ['shutdownTimeout', []],
];

/** The settings that changed between two configurations but apply only after a restart (`section.key`). */
export function restartOnlyChanges(was: RunConfig, now: RunConfig): string[] {
  const out: string[] = [];
  for (const [section, reloaded] of READ_AT_START) {
    const a = was[section];
    const b = now[section];
    if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
      if (JSON.stringify(a) !== JSON.stringify(b)) out.push(section);
      continue;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (reloaded.includes(k)) continue;
      if (JSON.stringify((a as Record<string, unknown>)[k]) !== JSON.stringify((b as Record<string, unknown>)[k])) out.push(`${section}.${k}`);
    }
  }
  return out;
}

export function probeOptions(c: RunConfig): ProbeOptions {
  return {
    decode: decodeOptions(c),
    track: trackOptions(c),
    guard: guardConfig(c),
    lagS: 2,
    callFlows: c.http.listen !== null ? c.http.callFlows : null,
  };
}

export function liveOptions(c: RunConfig): LiveCaptureOptions[] {
  return c.inputs.interfaces.map((i) => ({ interface: i.name, bpf: i.bpf, snaplen: i.snaplen, bufferSize: i.bufferSize, promiscuous: i.promiscuous }));
}

export function hepOptions(c: RunConfig): HepListenerOptions[] {
  return c.inputs.hep.map((h) => ({ host: h.listen.host, port: h.listen.port, udp: h.udp, tcp: h.tcp, maxConnections: h.maxConnections, idleTimeout: h.idleTimeout, recvBuffer: h.recvBuffer }));
}

/** The outputs to run: the configured ones, or the default store (SQLite) when none is. */
export function outputSpecs(c: RunConfig, fallback = 'sqlite'): OutputSpec[] {
  const spool = spoolSchema.parse(c.spool);
  const entries = c.outputs.length > 0 ? c.outputs : [{ kind: fallback, options: OUTPUT_KINDS.get(fallback)!.schema.parse({}) }];
  return entries.map((e) => ({ kind: OUTPUT_KINDS.get(e.kind)!, options: e.options, spool }));
}

/** APIBAN keys from the file and the environment (comma-separated); empty = the API is off. */
export function apibanKeys(c: RunConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const keys = [...c.apiban.keys];
  if (c.apiban.keysEnv !== null) {
    const v = env[c.apiban.keysEnv];
    if (v === undefined || v.trim() === '') throw new Error(`apiban.keysEnv: environment variable ${c.apiban.keysEnv} is not set`);
    keys.push(...v.split(',').map((k) => k.trim()).filter((k) => k !== ''));
  }
  return keys;
}
