import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { VERSION } from '../base/version.js';
import { Counters } from '../base/counters.js';
import { readCapture } from '../capture/read-capture.js';
import type { SipPayload } from '../decode/sip-payload.js';
import { alertToEcs, type Alert } from '../events/alert.js';
import { eventToJson } from '../events/ndjson.js';
import { indexTemplate } from '../events/fields.js';
import { createGuard, type Guard } from '../guard/guard.js';
import { buildEncryptor, encryptOnWorker, privacyOptions, registerPrivacyCommands, type PrivacyCliOptions } from './privacy-commands.js';
import type { TrackEvent } from '../track/track-event.js';
import { defaultTrackOptions } from '../track/options.js';
import { DecodeChain, defaultDecodeOptions } from '../pipeline/decode-chain.js';
import { LineSink } from '../pipeline/line-sink.js';
import { eachSipMessage } from '../pipeline/sip-messages.js';
import { messageView } from '../pipeline/message-view.js';
import { defaultReplayOptions, replayFiles, type FileResult } from '../pipeline/replay.js';
import { createLog } from '../base/log.js';
import { spoolSchema } from '../outputs/delivery.js';
import type { OutputKind } from '../outputs/output.js';
import { OutputSet } from '../outputs/output-set.js';
import { EventWriter } from '../pipeline/event-writer.js';
import { OUTPUT_KINDS, parseOutputFlag } from '../pipeline/output-kinds.js';
import { registerRunCommand } from './run-command.js';
import { registerQueryCommand } from './query-command.js';

/** Exit codes: 0 ok, 1 runtime failure (nothing could be read), 2 usage or configuration error. */
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

function list(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

interface TrackFlags {
  callTimeout: number;
  keepaliveWindow: number;
  regExpiryGrace: number;
  maxTransactions: number;
  maxCalls: number;
  maxBindings: number;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number of seconds');
  return n;
}

/** `--output` values of replay: kind and options; a bare path (no known kind) is an NDJSON file. */
function replayTargets(flags: string[]): Array<{ kind: OutputKind; options: Record<string, unknown> }> {
  if (flags.length === 0) return [{ kind: OUTPUT_KINDS.get('ndjson')!, options: { path: '-' } }];
  return flags.map((f) => {
    const parsed = parseOutputFlag(f);
    if (typeof parsed !== 'string') {
      const checked = parsed.kind.schema.safeParse(parsed.options);
      if (!checked.success) throw new InvalidArgumentError(`${f}: ${checked.error.issues.map((i) => i.message).join('; ')}`);
      return parsed;
    }
    if (/^[a-z]+:/.test(f) && !f.includes('/')) throw new InvalidArgumentError(parsed);
    return { kind: OUTPUT_KINDS.get('ndjson')!, options: { path: f } };
  });
}

/** Reports capture errors on stderr; true when no file could be read at all. */
function reportCaptureErrors(files: FileResult[]): boolean {
  let readable = 0;
  for (const f of files) {
    const err = f.summary.error;
    if (err !== null) process.stderr.write(`sipsentry: ${err.source}: ${err.code} at byte ${err.offset}: ${err.message}\n`);
    if (f.summary.frames > 0 || err === null) readable++;
  }
  return readable === 0;
}

const program = new Command();
program
  .name('sipsentry')
  .description('Passive SIP security probe: turns SIP traffic into a few meaningful ECS events.')
  .version(VERSION)
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('messages')
  .description('Print one JSON object per SIP message found in the captures (the per-message troubleshooting view).')
  .argument('<capture...>', 'pcap/pcapng files (optionally gzip-compressed); "-" reads standard input')
  .option('--all', 'also print keep-alives, STUN and non-SIP payloads seen on SIP flows')
  .option('-o, --output <file>', 'write to a file instead of standard output', '-')
  .action(async (captures: string[], opts: { all?: boolean; output: string }) => {
    const sink = new LineSink(opts.output);
    const counters = new Counters();
    const onPayload = (p: SipPayload): void => {
      if (p.kind === 'sip') {
        eachSipMessage(p, counters, (q, m) => sink.write(JSON.stringify(messageView(q, m))));
      } else if (opts.all) {
        sink.write(JSON.stringify(messageView(p, null)));
      }
    };
    const chain = new DecodeChain(defaultDecodeOptions, counters, onPayload);
    const files: FileResult[] = [];
    for (const c of captures) files.push({ file: c, summary: await readCapture(c, chain.onFrame) });
    chain.finish();
    await sink.close();
    if (reportCaptureErrors(files)) process.exitCode = EXIT_RUNTIME;
  });

const replay = program
  .command('replay')
  .description('Replay captures through the tracker and print the events as NDJSON (ECS), with a summary on stderr.')
  .argument('<capture...>', 'pcap/pcapng files (optionally gzip-compressed); "-" reads standard input')
  .option('-o, --output <kind[:target]>', 'where events go: ndjson:- (default), ndjson:FILE (or just FILE), sqlite:FILE, postgres:URL, syslog:udp://H:P, elasticsearch:URL, opensearch:URL (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--spool-dir <dir>', 'spool directory for outputs other than NDJSON (events wait there while an output is down)', 'sipsentry-spool')
  .option('--settle <seconds>', 'advance the clock this long after the last packet so pending outcomes resolve', seconds, 32)
  .option('--exclude <types>', 'event types not to write (comma list, e.g. msg-probe,other-ok); still counted', list, [])
  .option('--no-detect', 'no attack detection (scanners, enumeration, password guessing, floods, toll fraud; on by default)')
  .option('--no-rate-limit', 'write every event, even during floods (rate limits with back-off are on by default)')
  .option('--stats-interval <seconds>', 'write a stats document this often (packet time); 0 = only at the end', seconds, 300)
  .option('--call-timeout <seconds>', 'an established call silent this long ends with originator timeout', seconds, defaultTrackOptions.callTimeout)
  .option('--keepalive-window <seconds>', 'repeated successful OPTIONS pings within this window are keep-alives', seconds, defaultTrackOptions.keepaliveWindow)
  .option('--reg-expiry-grace <seconds>', 'grace after a binding\'s expiry before reg-expired', seconds, defaultTrackOptions.regExpiryGrace)
  .option('--max-transactions <n>', 'transactions tracked at once (more are counted, not tracked)', count, defaultTrackOptions.maxTransactions)
  .option('--max-calls <n>', 'calls tracked at once', count, defaultTrackOptions.maxCalls)
  .option('--max-bindings <n>', 'registration bindings tracked at once', count, defaultTrackOptions.maxBindings)
  .option('--stats', 'print every counter in the summary')
  .option('-q, --quiet', 'no summary on stderr')
  .action(async (captures: string[], opts: PrivacyCliOptions & TrackFlags & { output: string[]; spoolDir: string; settle: number; exclude: string[]; rateLimit: boolean; detect: boolean; statsInterval: number; stats?: boolean; quiet?: boolean }) => {
    const counters = new Counters();
    // Encryption happens at the single write point, after the guard, so its summaries are covered too.
    const enc = buildEncryptor(opts);
    let guard: Guard;
    try {
      guard = createGuard(
        { exclude: opts.exclude, rate: { enabled: opts.rateLimit }, statsInterval: opts.statsInterval, detect: { enabled: opts.detect } },
        counters,
        { alert: (a, allowlisted) => writeAlert(a, allowlisted) },
      );
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    const targets = replayTargets(opts.output);
    // One NDJSON stream (the usual case) is written directly; anything else goes through the outputs and their spools.
    const direct = targets.length === 1 && targets[0]!.kind.kind === 'ndjson' ? String(targets[0]!.options.path ?? '-') : null;
    const sink = direct !== null ? new LineSink(direct) : null;
    const outputs = sink === null ? new OutputSet({ counters, log: createLog('warn') }, targets.map((t) => ({ kind: t.kind, options: t.kind.schema.parse(t.options), spool: spoolSchema.parse({ dir: opts.spoolDir }) }))) : null;
    // A worker thread encrypts unless told otherwise; the NDJSON stream then takes its finished lines.
    const worker = enc !== null && encryptOnWorker(opts);
    const writer =
      outputs !== null || worker
        ? new EventWriter(enc, outputs !== null ? (r) => outputs.push(r) : (r) => sink!.write(r.json), { worker: worker ? {} : null })
        : null;
    const write = (e: TrackEvent): void => {
      if (writer !== null) return writer.event(e);
      enc?.(e);
      sink!.write(eventToJson(e));
    };
    const writeAlert = (a: Alert, allowlisted: boolean): void => {
      if (writer !== null) return writer.alert(a, allowlisted);
      enc?.alert(a);
      sink!.write(JSON.stringify(alertToEcs(a, allowlisted)));
    };
    const writeStats = (doc: Record<string, unknown>): void => {
      if (writer !== null) return writer.document(doc);
      sink!.write(JSON.stringify(enc !== null ? enc.statsDocument(doc) : doc));
    };
    let clock = () => 0;
    const result = await replayFiles(
      captures,
      {
        ...defaultReplayOptions,
        settle: opts.settle,
        track: {
          ...defaultTrackOptions,
          callTimeout: opts.callTimeout,
          keepaliveWindow: opts.keepaliveWindow,
          regExpiryGrace: opts.regExpiryGrace,
          maxTransactions: opts.maxTransactions,
          maxCalls: opts.maxCalls,
          maxBindings: opts.maxBindings,
        },
      },
      (e) => {
        const kept = guard.run(e);
        if (kept !== null) write(kept);
      },
      counters,
      {
        onMessage: guard.detection !== null ? (p, m) => guard.onMessage(p, m) : undefined,
        onTracker: (t) => {
          guard.addGauges('track.tables', () => t.tables);
          clock = () => t.nowUs;
        },
        onTick: (now) => {
          for (const s of guard.tick(now)) write(s);
          const st = guard.dueStats(now);
          if (st !== null) writeStats(st);
        },
      },
    );
    for (const s of guard.finish(clock())) write(s);
    // No packet, no packet time: a stats document would carry an invented date.
    if (result.files.some((f) => f.summary.frames > 0)) writeStats(guard.stats(clock(), true));
    await writer?.close();
    await sink?.close();
    // Outputs get time to deliver everything; what they cannot take stays in the spool for the next run.
    await outputs?.close({ timeoutMs: 600_000 });
    const failed = reportCaptureErrors(result.files);
    if (!opts.quiet) {
      const c = result.counters;
      const ev = Object.entries(result.events).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
      process.stderr.write(
        `sipsentry: ${result.files.length} file(s), ${result.files.reduce((n, f) => n + f.summary.frames, 0)} frames, ` +
          `${c.get('sip.messages')} SIP messages (${c.get('sip.parse_errors')} unparsable), ` +
          `${c.get('track.retransmissions.request') + c.get('track.retransmissions.response')} retransmissions absorbed\n` +
          `sipsentry: events ${ev}\n` +
          `sipsentry: still alive at end: ${result.track.activeCalls} call(s), ${result.track.activeBindings} binding(s), ` +
          `${result.track.pendingTransactions} request(s) without a final reply\n`,
      );
      const t = enc !== null ? { ...result.track, ...enc.summaryLists(result.track) } : result.track;
      const list = (title: string, items: string[], total: number) => {
        if (total === 0) return;
        process.stderr.write(`sipsentry:   ${title}: ${items.join(', ')}${total > items.length ? ` … (+${total - items.length})` : ''}\n`);
      };
      list('calls', t.calls, t.activeCalls);
      list('bindings', t.bindings, t.activeBindings);
      list('pending', t.pending, t.pendingTransactions);
      if (opts.stats) process.stderr.write(JSON.stringify(enc !== null ? enc.counters(c.snapshot()) : c.snapshot(), null, 1) + '\n');
    }
    if (failed) process.exitCode = EXIT_RUNTIME;
  });

privacyOptions(replay);
registerRunCommand(program, EXIT_USAGE);
registerQueryCommand(program);
registerPrivacyCommands(program);

program
  .command('template')
  .description('Print the Elasticsearch/OpenSearch index template (mappings) for the event fields.')
  .option('--pattern <glob>', 'index pattern the template applies to', 'sipsentry-*')
  .action((opts: { pattern: string }) => {
    process.stdout.write(JSON.stringify(indexTemplate(opts.pattern), null, 2) + '\n');
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.stderr.write(`sipsentry: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT_RUNTIME;
  }
}
