// A call's messages as a ladder diagram (sngrep/HOMER style) in SVG: a lifeline per party, an arrow
// per message with its label and time offset, retransmissions dashed; click an arrow for the raw text.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, authHeaders, errorText } from '../api.js';
import { ErrorBox } from '../components/common.js';
import { decCallId, decIp } from '../decrypt.js';
import { fmtTime, hostPort, isoTitle, plural, splitHostPort } from '../format.js';
import { usePoll } from '../hooks.js';
import { useApp } from '../state.js';
import type { Endpoint, Flow as FlowData, FlowMessage } from '../types.js';

const LEFT = 100;
const COL = 200;
const TOP = 64;
const ROW = 38;

function kindOf(m: FlowMessage): 'req' | 'prov' | 'ok' | 'err' {
  if (m.status === null) return m.method !== null || !/^\d{3}\b/.test(m.label) ? 'req' : 'ok';
  return m.status < 200 ? 'prov' : m.status < 300 ? 'ok' : 'err';
}

function fmtOffset(ms: number): string {
  const v = Number.isInteger(ms) ? String(ms) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
  return `+${v} ms`;
}

/** Column of each party: the order given by `parties`, then any endpoint missing from it. */
function columns(flow: FlowData): { labels: string[]; index: (e: Endpoint) => number } {
  const keys = [...flow.parties];
  const find = (e: Endpoint): number => {
    const port = String(e.port);
    return keys.findIndex((p) => {
      if (p === `${e.ip}:${port}` || p === `[${e.ip}]:${port}`) return true;
      const s = splitHostPort(p);
      return s.ip === e.ip && s.port === port;
    });
  };
  for (const m of flow.messages) {
    for (const e of [m.src, m.dst]) if (find(e) < 0) keys.push(hostPort(e.ip, e.port));
  }
  const labels = keys.map((p) => {
    const s = splitHostPort(p);
    return s.port === '' ? decIp(s.ip) : hostPort(decIp(s.ip), s.port);
  });
  return { labels, index: find };
}

export function Flow({ callId }: { callId: string }): VNode {
  const app = useApp();
  const [flow, setFlow] = useState<FlowData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sel, setSel] = useState<number | null>(null);
  const [dlError, setDlError] = useState<string | null>(null);

  const reload = usePoll(
    async (signal) => {
      try {
        const f = await api<FlowData>(`/api/v1/calls/${encodeURIComponent(callId)}/flow`, { signal });
        setFlow(f);
        setError(null);
      } catch (err) {
        if (signal.aborted) return;
        setFlow(null);
        setError(errorText(err));
      }
    },
    0,
    [callId, app.token],
  );

  const pcapHref = `/api/v1/calls/${encodeURIComponent(callId)}/pcap`;
  const download = async (e: Event): Promise<void> => {
    // A plain link cannot carry the bearer token: with one set, fetch the file and hand it over.
    if (Object.keys(authHeaders()).length === 0) return;
    e.preventDefault();
    setDlError(null);
    try {
      const res = await fetch(pcapHref, { headers: authHeaders() });
      if (!res.ok) {
        const j = (await res.json().catch(() => null)) as { error?: string } | null;
        throw new Error(`${res.status}: ${j?.error ?? res.statusText}`);
      }
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = 'call.pcap';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setDlError(errorText(err));
    }
  };

  const shownId = decCallId(callId);
  return html`<section class="page" aria-labelledby="flow-h">
    <h1 id="flow-h">Call flow <code class="callid" data-testid="flow-callid">${shownId}</code></h1>
    <p class="toolbar">
      <a href=${'#/events?call_id=' + encodeURIComponent(callId)}>Events of this call</a>
      ${flow?.pcap === true && html`<span class="sep">·</span><a href=${pcapHref} download="call.pcap" data-testid="pcap-link" onClick=${(e: Event) => void download(e)}>Download pcap</a>`}
      <span class="sep">·</span><button type="button" class="small" onClick=${() => reload()}>Refresh</button>
    </p>
    <${ErrorBox} error=${error} testid="flow-error" />
    <${ErrorBox} error=${dlError} />
    ${flow !== null &&
    html`<p class="muted small" data-testid="flow-summary">${plural(flow.messages.length, 'message')} between ${plural(flow.parties.length, 'party', 'parties')}${flow.truncated ? ' — truncated: only the first messages are kept' : ''}</p>
      <div class="flow-layout">
        <div class="panel ladder-wrap"><${Ladder} flow=${flow} selected=${sel} onSelect=${setSel} /></div>
        ${sel !== null && flow.messages[sel] !== undefined && html`<${MessagePanel} m=${flow.messages[sel]!} onClose=${() => setSel(null)} />`}
      </div>`}
  </section>`;
}

function Ladder({ flow, selected, onSelect }: { flow: FlowData; selected: number | null; onSelect: (i: number) => void }): VNode {
  const { labels, index } = columns(flow);
  const n = Math.max(1, labels.length);
  const width = LEFT + n * COL + 10;
  const height = TOP + flow.messages.length * ROW + 24;
  const x = (i: number): number => LEFT + i * COL + COL / 2;

  return html`<svg class="ladder" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="group" aria-label="Call flow ladder diagram" data-testid="flow-ladder">
    <defs>
      ${(['req', 'prov', 'ok', 'err', 'sel'] as const).map(
        (k) => html`<marker id=${'ah-' + k} class=${'head-' + k} viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" /></marker>`,
      )}
    </defs>
    ${labels.map(
      (l, i) => html`<g class="party" data-testid="flow-party">
        <rect x=${x(i) - COL / 2 + 8} y="8" width=${COL - 16} height="28" rx="4" />
        <text x=${x(i)} y="27" text-anchor="middle">${l}</text>
        <line class="lifeline" x1=${x(i)} y1="36" x2=${x(i)} y2=${height - 8} />
      </g>`,
    )}
    ${flow.messages.map((m, k) => {
      const y = TOP + k * ROW + 16;
      const a = index(m.src);
      const b = index(m.dst);
      const kind = kindOf(m);
      const isSel = selected === k;
      const marker = `url(#ah-${isSel ? 'sel' : kind})`;
      const label = m.label + (m.retransmission ? ' (retransmission)' : '');
      const cls = ['arrow', kind, m.retransmission ? 'retransmission' : '', isSel ? 'selected' : ''].join(' ').trim();
      const lineCls = 'msg' + (m.retransmission ? ' retransmission' : '');
      const pick = (): void => onSelect(k);
      const key = (e: KeyboardEvent): void => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          pick();
        }
      };
      const desc = `${label}, ${fmtOffset(m.offsetMs)}, from ${labels[a] ?? ''} to ${labels[b] ?? ''}`;
      let shape: VNode;
      let tx: number;
      if (a === b) {
        // A message to the same party: a small loop on its lifeline.
        const x0 = x(a);
        shape = html`<path class=${lineCls} d=${`M${x0},${y - 8} h40 v16 h-38`} fill="none" marker-end=${marker} />
          <path class="hit" d=${`M${x0},${y - 8} h40 v16 h-38`} fill="none" />`;
        tx = x0 + 48;
      } else {
        const x1 = x(a);
        const x2 = x(b);
        shape = html`<line class=${lineCls} x1=${x1} y1=${y} x2=${x2 + (x2 > x1 ? -1 : 1)} y2=${y} marker-end=${marker} />
          <line class="hit" x1=${x1} y1=${y} x2=${x2} y2=${y} />`;
        tx = (x1 + x2) / 2;
      }
      return html`<g key=${k} class=${cls} data-testid="flow-arrow" data-label=${m.label} data-retransmission=${String(m.retransmission)}
          tabindex="0" role="button" aria-pressed=${isSel} aria-label=${desc} onClick=${pick} onKeyDown=${key}>
        <title>${`${fmtTime(m.t)} ${m.transport.toUpperCase()} ${m.cseq}`}</title>
        <text class="offset" x=${LEFT - 12} y=${y + 4} text-anchor="end" data-testid="flow-offset">${fmtOffset(m.offsetMs)}</text>
        <text class="label" x=${tx} y=${y - 6} text-anchor=${a === b ? 'start' : 'middle'} data-testid="flow-arrow-label">${label}</text>
        ${shape}
      </g>`;
    })}
  </svg>`;
}

function MessagePanel({ m, onClose }: { m: FlowMessage; onClose: () => void }): VNode {
  return html`<aside class="panel detail" aria-label="Message" data-testid="flow-message">
    <div class="detail-head">
      <h2>${m.label}${m.retransmission ? html` <span class="tag">retransmission</span>` : ''}</h2>
      <button type="button" class="small" onClick=${onClose} aria-label="Close message">✕</button>
    </div>
    <dl class="kv">
      <dt>Time</dt><dd title=${isoTitle(m.t)}>${fmtTime(m.t)} (${fmtOffset(m.offsetMs)})</dd>
      <dt>From</dt><dd class="mono">${hostPort(decIp(m.src.ip), m.src.port)}</dd>
      <dt>To</dt><dd class="mono">${hostPort(decIp(m.dst.ip), m.dst.port)}</dd>
      <dt>Transport</dt><dd>${m.transport}</dd>
      <dt>CSeq</dt><dd>${m.cseq}</dd>
    </dl>
    ${m.text === null
      ? html`<p class="muted" data-testid="flow-message-text">hidden: encryption is on</p>`
      : html`<pre class="sipmsg" data-testid="flow-message-text">${m.text}</pre>`}
  </aside>`;
}
