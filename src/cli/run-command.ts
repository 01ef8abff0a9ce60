import { InvalidArgumentError, type Command } from 'commander';
import { Counters } from '../base/counters.js';
import { VERSION } from '../base/version.js';
import { maskSecrets } from '../config/mask.js';
import { createLog, LOG_LEVELS, type Log, type LogLevel } from '../base/log.js';
import { HepListener, nowUs } from '../capture/hep-listener.js';
import { LiveCapture } from '../capture/live-capture.js';
import { Honeypot } from '../honeypot/honeypot.js';
import { AlertHook } from '../outputs/hook.js';
import { NftSync } from '../outputs/nftables.js';
import { readCapture } from '../capture/read-capture.js';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import { OutputSet } from '../outputs/output-set.js';
import { secret } from '../outputs/secret.js';
import { parsePrivacyConfig, type PrivacyConfig } from '../privacy/config.js';
import { encryptorFromConfig, type Encryptor } from '../privacy/processor.js';
import { EventWriter } from '../pipeline/event-writer.js';
import { parseOutputFlag } from '../pipeline/output-kinds.js';
import { Probe } from '../pipeline/probe.js';
import { Blocklist } from '../guard/blocklist/blocklist.js';
import { runConfigSchema, type RunConfig } from '../pipeline/run-config.js';
import { apibanKeys, guardConfig, hepOptions, liveOptions, outputSpecs, probeOptions, restartOnlyChanges, trackOptions } from '../pipeline/run-options.js';
import { ApiPrivacy } from '../server/api-privacy.js';

interface RunFlags {
  config?: string;
  E: string[];
  interface: string[];
  bpf?: string;
  hep: string[];
  output: string[];
  /** --http ADDRESS, or false for --no-http */
  http?: string | boolean;
  file: string[];
  logLevel?: string;
  /** honeypot command */
  listen?: string[];
  persona?: string;
  tcp?: boolean;
  /** run: keep serving after the files when there is no live input */
  stay?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Command-line options as configuration settings (dotted keys), applied under the `-E` overrides. */
function settingsFrom(flags: RunFlags): Array<[string, unknown]> {
  const s: Array<[string, unknown]> = [];
  if (flags.interface.length > 0) s.push(['inputs.interfaces', flags.interface.map((name) => (flags.bpf === undefined ? { name } : { name, bpf: flags.bpf }))]);
  if (flags.hep.length > 0) s.push(['inputs.hep', flags.hep.map((listen) => ({ listen }))]);
  if (flags.file.length > 0) s.push(['inputs.files', flags.file]);
  if (flags.output.length > 0) {
    // --output replaces the configured outputs: what the command line asks for is what runs.
    const outputs: Record<string, unknown> = {};
    for (const o of flags.output) {
      const parsed = parseOutputFlag(o);
      if (typeof parsed === 'string') throw new InvalidArgumentError(parsed);
      let name = parsed.kind.kind;
      for (let i = 2; name in outputs; i++) name = `${parsed.kind.kind}-${i}`;
      outputs[name] = { type: parsed.kind.kind, ...parsed.options };
    }
    s.push(['outputs', outputs]);
  }
  if (flags.listen !== undefined) {
    s.push(['inputs.honeypot', [{ listen: flags.listen.length > 0 ? flags.listen : ['0.0.0.0:5060'], tcp: flags.tcp !== false, ...(flags.persona !== undefined ? { persona: flags.persona } : {}) }]]);
  }
  if (typeof flags.http === 'string') s.push(['http.listen', flags.http]);
  else if (flags.http === false) s.push(['http.listen', null]);
  if (flags.logLevel !== undefined) s.push(['log.level', flags.logLevel]);
  return s;
}

function load(flags: RunFlags): RunConfig {
  return loadWithRaw(flags).value;
}

function loadWithRaw(flags: RunFlags): { value: RunConfig; raw: unknown } {
  return loadConfig(runConfigSchema, { file: flags.config ?? null, overrides: flags.E, settings: settingsFrom(flags) });
}

/** True when the configuration (file, -E or --http) names the HTTP address; false when it is the default. */
function httpConfigured(raw: unknown): boolean {
  const http = (raw as { http?: { listen?: unknown } } | null)?.http;
  return http !== undefined && http !== null && typeof http === 'object' && 'listen' in http;
}

/** Options `run` and `honeypot` share: configuration, outputs, HTTP API, logging. */
function commonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML configuration (docs/configuration.md)')
    .option('-E <key=value>', 'override one setting, e.g. -E track.callTimeout=2h (repeatable)', collect, [])
    .option('-o, --output <kind[:target]>', 'ndjson:-, ndjson:FILE, sqlite:FILE, postgres:URL, syslog:udp://H:P, elasticsearch:URL, opensearch:URL (repeatable; replaces configured outputs; default sqlite)', collect, [])
    .option('--http <host:port>', 'serve the HTTP API and web UI here (default 127.0.0.1:8080)')
    .option('--no-http', 'no HTTP API or web UI')
    .option('--log-level <level>', `log level on stderr (${LOG_LEVELS.join(', ')})`);
}

export function registerRunCommand(program: Command, exitUsage: number): void {
  commonOptions(
    program
      .command('run')
      .description('Run as a probe: capture from interfaces, receive HEP, read files; write events and alerts to the outputs until stopped (SIGTERM/SIGINT; SIGHUP reloads).'),
  )
    .option('-i, --interface <name>', 'capture on this interface (repeatable; `any` for all)', collect, [])
    .option('--bpf <filter>', 'capture filter for the --interface captures (default: SIP ports, HEP, VXLAN, GTP-U, GRE, fragments)')
    .option('--hep <host:port>', 'receive HEP on this address over UDP and TCP (repeatable)', collect, [])
    .option('-f, --file <capture>', 'read this capture file first (repeatable)', collect, [])
    .option('--stay', 'with files only: keep serving the HTTP API and web UI after the files are read, until stopped')
    .action((flags: RunFlags) => start(flags, exitUsage));

  commonOptions(
    program
      .command('honeypot')
      .description('Answer SIP like a PBX on addresses no legitimate peer knows, never complete authentication, and alert on and blocklist every source (served to firewalls by the APIBAN API with --http and apiban.keys).'),
  )
    .option('--listen <host:port>', 'answer on this address, UDP and TCP (repeatable; default 0.0.0.0:5060)', collect, [])
    .option('--persona <name>', 'what to claim to be: asterisk, freeswitch or generic (default asterisk; objects in the configuration)')
    .option('--no-tcp', 'UDP only')
    .action((flags: RunFlags) => start({ ...flags, interface: [], hep: [], file: [] }, exitUsage));
}

async function start(flags: RunFlags, exitUsage: number): Promise<void> {
  let cfg: RunConfig;
  let raw: unknown;
  try {
    ({ value: cfg, raw } = loadWithRaw(flags));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sipsentry: configuration error:\n${err.message.split('\n').map((l) => '  ' + l).join('\n')}\n`);
      process.exitCode = exitUsage;
      return;
    }
    throw err;
  }
  const log = createLog(cfg.log.level as LogLevel);
  try {
    await runProbe(cfg, flags, log, httpConfigured(raw));
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot run');
    process.exitCode = (err as { usage?: boolean }).usage === true ? exitUsage : 1;
  }
}

/** A start-up problem caused by the configuration (bad filter, unknown interface, missing secret): exit code 2. */
function usage(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  (e as { usage?: boolean }).usage = true;
  return e;
}

async function runProbe(cfg: RunConfig, flags: RunFlags, log: Log, httpExplicit: boolean): Promise<void> {
  const counters = new Counters();
  let enc: Encryptor | null;
  let opts;
  let privacy;
  try {
    privacy = parsePrivacyConfig(cfg.privacy);
    enc = encryptorFromConfig(privacy);
    opts = probeOptions(cfg);
  } catch (err) {
    throw usage(err);
  }
  let blocklist: Blocklist | null = null;
  let keys: string[] = [];
  try {
    keys = apibanKeys(cfg);
    if (cfg.blocklist.enabled) blocklist = new Blocklist(cfg.blocklist, counters);
  } catch (err) {
    throw usage(err);
  }
  const specs = outputSpecs(cfg);
  const outputs = new OutputSet({ counters, log }, specs);
  let stop = async (_why: string): Promise<void> => {};
  const writer = new EventWriter(enc, (r) => outputs.push(r), {
    worker: privacy.thread === 'worker' ? {} : null,
    onWorkerError: (err) => {
      // A bug, as an exception in inline encryption would be: stop rather than run on without output.
      log.fatal({ err: err.message }, 'field encryption failed');
      process.exitCode = 1;
      void stop('encryption worker failure');
    },
  });
  const probe = new Probe(opts, writer, counters, blocklist);
  probe.guard.addGauges('outputs', () => outputs.gauges());
  const apiPrivacy = new ApiPrivacy(enc);
  const started = privacy;
  /**
   * SIGHUP: a new key (the key file changed) rotates encryption from the next record on; the groups
   * and modes shape every ciphertext and need a restart. Loading the key throws, before anything
   * changed; `apply` then switches. `restart`: the changed settings only a restart applies.
   */
  const preparePrivacy = (next: PrivacyConfig): { restart: string[]; apply: () => void } => {
    const restart: string[] = [];
    if (next.groups.join(',') !== started.groups.join(',')) restart.push('privacy.encrypt');
    if (next.ipMode !== started.ipMode) restart.push('privacy.ipMode');
    if (next.cacheSize !== started.cacheSize) restart.push('privacy.cacheSize');
    if (next.thread !== started.thread) restart.push('privacy.thread');
    const current = enc;
    if (restart.length > 0 || current === null) return { restart, apply: () => {} };
    const rotated = encryptorFromConfig(next)!;
    if (rotated.keyId === current.keyId) return { restart, apply: () => {} };
    return {
      restart,
      apply: () => {
        log.info({ from: current.keyId, to: rotated.keyId }, 'privacy: key rotated; records from now on use the new key');
        writer.rekey(rotated);
        apiPrivacy.rekey(rotated);
        enc = rotated;
      },
    };
  };

  const captures = liveOptions(cfg).map((o) => new LiveCapture(o, probe.onFrame, counters, log));
  const listeners = hepOptions(cfg).map((o) => new HepListener(o, probe.onHep, counters, log));
  // The honeypot's traffic (what it hears and what it answers) goes through the probe like captured traffic; every source is an alert.
  const contact = (ip: string, port: number, tsUs: number): void => {
    if (probe.guard.detection !== null) probe.guard.detection.honeypotContact(ip, port, tsUs, null);
    else blocklist?.sight({ ip, reason: 'honeypot-contact', origin: 'honeypot', nowMs: Math.floor(tsUs / 1000) });
  };
  const honeypots = cfg.inputs.honeypot.map((o) => new Honeypot(o, counters, log, probe.onPayload, contact));
  const live = captures.length + listeners.length + honeypots.length > 0;
  // Live, blocklist TTLs run on the wall clock; from files only, on the packet clock like everything else.
  const clockMs = (): number => (live ? Date.now() : Math.floor(probe.tracker.nowUs / 1000));
  let http = null;
  let ready = false;
  if (cfg.http.listen !== null) {
    const sqlite = specs.find((s) => s.kind.kind === 'sqlite');
    try {
      const token = secret(cfg.http.token, cfg.http.tokenEnv, 'http.tokenEnv');
      const apiban = blocklist !== null && keys.length > 0 ? { keys, rate: { requests: cfg.apiban.requests, perS: cfg.apiban.per } } : null;
      // Loaded only when the API is on: the web framework is a tenth of a second of start-up.
      const { startHttpServer } = await import('../server/http-server.js');
      http = await startHttpServer({ host: cfg.http.listen.host, port: cfg.http.listen.port, token }, probe, () => outputs.gauges(), log, {
        ...(blocklist !== null ? { blocklist } : {}),
        apiban,
        now: clockMs,
        privacy: apiPrivacy,
        ready: () => ready,
        views: {
          storePath: sqlite !== undefined ? (sqlite.options as { path: string }).path : null,
          queryTimeoutMs: cfg.http.queryTimeout * 1000,
          config: maskSecrets(cfg),
          version: VERSION,
          live: () => live,
          onRecord: (l) => writer.onRecord(l),
          ui: cfg.http.ui,
        },
      });
    } catch (err) {
      if (!httpExplicit && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        // The default address is a convenience: a second probe on the host runs without it.
        log.warn({ listen: `${cfg.http.listen.host}:${cfg.http.listen.port}` }, 'HTTP API not started: the default address is in use (set http.listen, or --no-http)');
      } else {
        blocklist?.close();
        await outputs.close({ timeoutMs: 0 });
        throw usage(err);
      }
    }
  }

  // Files before live inputs, on their own packet clock (the HTTP views already watch them).
  for (const f of cfg.inputs.files) {
    const summary = await readCapture(f, probe.onFrame);
    if (summary.error !== null) log.error({ file: f, code: summary.error.code, offset: summary.error.offset }, summary.error.message);
    log.info({ file: f, frames: summary.frames }, 'file read');
  }
  try {
    for (const c of captures) c.start();
    for (const l of listeners) await l.start();
    for (const h of honeypots) log.info({ listening: await h.start() }, 'honeypot answering');
    ready = true;
  } catch (err) {
    for (const c of captures) c.stop();
    for (const l of listeners) await l.stop();
    for (const h of honeypots) await h.close();
    await http?.close();
    blocklist?.close();
    await outputs.close({ timeoutMs: cfg.shutdownTimeout * 1000 });
    throw usage(err);
  }

  // Enforcement follows the blocklist: an nftables set (or file) and hooks for other systems.
  let nft: NftSync | null = null;
  if (blocklist !== null && cfg.enforce.nftables !== null) {
    nft = new NftSync(cfg.enforce.nftables, { counters, log });
    if (!(await nft.start(blocklist, clockMs()))) log.warn('nftables: first sync failed; retrying with back-off');
  }
  const hooks = cfg.enforce.hooks.map((h) => new AlertHook(h, { counters, log }));
  for (const h of hooks) {
    writer.onAlert((doc) => h.alert(doc));
    blocklist?.onChange((c) => h.change(c));
  }

  const ticker = live ? setInterval(() => probe.tick(nowUs()), 1000) : null;
  // --stay: files read, the views stay up (the clock settles like at the end of a replay).
  const stay = !live && flags.stay === true && http !== null;
  let finished = false;
  let stopping = false;
  stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: why }, 'stopping');
    if (ticker !== null) clearInterval(ticker);
    for (const c of captures) c.stop();
    for (const l of listeners) await l.stop();
    for (const h of honeypots) await h.close();
    // Live: outcomes due by now are stated; files only: the clock settles past the last packet like replay.
    try {
      if (!finished) probe.finish(live ? nowUs() : probe.lastPacketTimeUs + 32_000_000);
    } catch (err) {
      // Only a failed encryption worker throws here; it has been reported.
      log.error({ err: (err as Error).message }, 'final events not written');
    }
    // Records still with the encryption worker reach the outputs before they close.
    await writer.close().catch((err: Error) => log.error({ err: err.message }, 'records lost with the encryption worker'));
    await http?.close();
    await outputs.close({ timeoutMs: cfg.shutdownTimeout * 1000 });
    await nft?.close();
    for (const h of hooks) await h.close(cfg.shutdownTimeout * 1000);
    blocklist?.close();
    log.info({ counters: summary(counters) }, 'stopped');
    // The capture library keeps a poll handle alive after close; everything is flushed by now.
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    // Files renamed by logrotate are reopened even when there is no configuration to reload.
    void outputs.reopen();
    if (nft !== null) void nft.resync(clockMs());
    if (flags.config === undefined) {
      log.info('SIGHUP: outputs reopened; no configuration file to reload');
      return;
    }
    void reload(flags, cfg, probe, outputs, log, blocklist, clockMs, preparePrivacy);
  });
  log.info({ interfaces: captures.length, hep: listeners.map((l) => l.port), honeypots: honeypots.length, outputs: outputs.names }, 'running');
  if (stay) {
    probe.finish(probe.lastPacketTimeUs + 32_000_000);
    finished = true;
    log.info('files read; serving the HTTP API and web UI until stopped (--stay)');
  } else if (!live) {
    await stop('end of files');
  }
}

/**
 * SIGHUP: exclusions, the stats interval, tracker timers and caps, rate limits, detector settings,
 * the encryption key, the configured allowlist, the log level and outputs follow the file again;
 * inputs, tracker and detector state and counters stay. Changed settings read only at start are
 * named in a warning, compared with the configuration the probe started with.
 */
async function reload(
  flags: RunFlags,
  startedCfg: RunConfig,
  probe: Probe,
  outputs: OutputSet,
  log: Log,
  blocklist: Blocklist | null,
  clockMs: () => number,
  preparePrivacy: (next: PrivacyConfig) => { restart: string[]; apply: () => void },
): Promise<void> {
  let cfg: RunConfig;
  try {
    cfg = load(flags);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'SIGHUP: configuration not reloaded');
    return;
  }
  let restart: string[];
  try {
    // A key that cannot be loaded, or a range file, stops the reload before anything changed.
    const privacy = preparePrivacy(parsePrivacyConfig(cfg.privacy));
    restart = [...privacy.restart, ...probe.guard.reconfigure(guardConfig(cfg))];
    privacy.apply();
  } catch (err) {
    log.error({ err: (err as Error).message }, 'SIGHUP: configuration not reloaded');
    return;
  }
  restart.push(...probe.tracker.reconfigure(trackOptions(cfg)), ...restartOnlyChanges(startedCfg, cfg));
  if (restart.length > 0) log.warn({ settings: restart }, 'SIGHUP: these changed settings apply after a restart; their old values stay');
  // An address wrongly blocked is released by adding it to the file's allowlist and sending SIGHUP.
  blocklist?.setConfigured(cfg.blocklist.allow, cfg.blocklist.allowUsers, clockMs());
  try {
    await outputs.reload(outputSpecs(cfg));
  } catch (err) {
    log.error({ err: (err as Error).message }, 'SIGHUP: outputs not reloaded');
    log.level = cfg.log.level;
    return;
  }
  log.info({ exclude: cfg.events.exclude, allow: cfg.blocklist.allow.length, outputs: outputs.names }, 'configuration reloaded');
  // Last: a quieter level would hide the line above.
  log.level = cfg.log.level;
}

function summary(c: Counters): Record<string, number> {
  const s = c.snapshot();
  const pick = ['capture.frames', 'capture.hep.received', 'sip.messages', 'sip.parse_errors'];
  return Object.fromEntries(pick.map((k) => [k, s[k] ?? 0]));
}
