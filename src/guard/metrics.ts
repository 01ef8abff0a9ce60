import type { Counters } from '../base/counters.js';
import { KNOWN_METHODS } from '../sip/methods.js';
import { GAUGE_COUNTERS } from './stats.js';

/** One metric family, the shape prom-client's registries and the text format share. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

const METHODS: ReadonlySet<string> = new Set(KNOWN_METHODS);

/**
 * Counter names with a variable last part become one family with a label, so that a scrape has a
 * fixed set of names. Request methods outside the registered ones fold into `other`: a scanner
 * inventing methods must not create series.
 */
const LABELLED: ReadonlyArray<{ prefix: string; family: string; help: string; labels: (rest: string) => Record<string, string> | null }> = [
  { prefix: 'guard.events.', family: 'sipsentry_events_total', help: 'Events by type and disposition (generated = emitted + suppressed + excluded; summaries are made by the guard)', labels: (rest) => {
    const dot = rest.indexOf('.');
    return dot < 0 ? null : { disposition: rest.slice(0, dot), type: rest.slice(dot + 1) };
  } },
  { prefix: 'sip.requests.', family: 'sipsentry_sip_requests_total', help: 'SIP requests by method', labels: (rest) => ({ method: METHODS.has(rest) ? rest : 'other' }) },
  { prefix: 'sip.responses.', family: 'sipsentry_sip_responses_total', help: 'SIP responses by status class', labels: (rest) => ({ class: rest }) },
  { prefix: 'guard.rate.summaries.', family: 'sipsentry_rate_summaries_total', help: 'Rate-limit episode summaries by state (calm, evicted, end)', labels: (rest) => ({ state: rest }) },
];

/** `decode.tcp.gap` → `sipsentry_decode_tcp_gap`. */
export function metricName(counter: string): string {
  return 'sipsentry_' + counter.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * The counters (and gauges, e.g. table sizes) as metric families: labelled families for the
 * variable names, one family per other counter (`_total` suffix) or gauge.
 */
export function collectMetrics(counters: Counters, gauges: Record<string, number> = {}): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const add = (name: string, help: string, type: MetricFamily['type'], labels: Record<string, string>, value: number): void => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, help, type, samples: [] };
      families.set(name, f);
    }
    const key = JSON.stringify(labels);
    const same = f.samples.find((s) => JSON.stringify(s.labels) === key);
    if (same !== undefined) same.value += value;
    else f.samples.push({ labels, value });
  };
  const all = counters.snapshot();
  for (const [name, value] of Object.entries(all)) {
    if (name in gauges) continue;
    if (GAUGE_COUNTERS.has(name)) {
      add(metricName(name), `sipsentry gauge ${name}`, 'gauge', {}, value);
      continue;
    }
    const rule = LABELLED.find((r) => name.startsWith(r.prefix));
    const labels = rule?.labels(name.slice(rule.prefix.length)) ?? null;
    if (rule !== undefined && labels !== null) add(rule.family, rule.help, 'counter', labels, value);
    else add(metricName(name) + '_total', `sipsentry counter ${name}`, 'counter', {}, value);
  }
  for (const [name, value] of Object.entries(gauges)) add(metricName(name), `sipsentry gauge ${name}`, 'gauge', {}, value);
  return [...families.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Prometheus text exposition format 0.0.4 (what `GET /metrics` serves as `text/plain; version=0.0.4`). */
export function prometheusText(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = Object.entries(s.labels);
      const l = labels.length === 0 ? '' : '{' + labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',') + '}';
      out += `${f.name}${l} ${Number.isFinite(s.value) ? s.value : s.value > 0 ? '+Inf' : s.value < 0 ? '-Inf' : 'NaN'}\n`;
    }
  }
  return out;
}

/** Shorthand for the HTTP handler: the exposition text of the counters and gauges. */
export function metricsText(counters: Counters, gauges: Record<string, number> = {}): string {
  return prometheusText(collectMetrics(counters, gauges));
}
