// Stored events and alerts: a filter form (kept in the URL), a table with cursor pagination, the
// whole document of a selected row, a link to its call flow, and a live tail over SSE.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, qs } from '../api.js';
import { ErrorBox, Json } from '../components/common.js';
import { decDoc } from '../decrypt.js';
import { fmtDuration, fmtTime, fromLocalInput, get, hostPort, isoTitle, num, str, toLocalInput } from '../format.js';
import { usePoll } from '../hooks.js';
import { ipMatches } from '../ipmatch.js';
import { flowHref, navigate, type Route } from '../router.js';
import { openStream, type StreamState } from '../stream.js';
import { useApp } from '../state.js';
import { ACTIONS, type Doc, type EventsPage } from '../types.js';

const PAGE_SIZES = [25, 100, 500] as const;
const PAGE = 100;
const LIVE_CAP = 500;

interface Filter {
  kind: 'event' | 'alert';
  from: string;
  to: string;
  action: string[];
  ip: string;
  user: string;
  call_id: string;
  text: string;
  /** Rows per page (the API's limit). */
  limit: number;
}

function filterFrom(q: URLSearchParams): Filter {
  const action = (q.get('action') ?? '').split(',').filter((a) => a !== '');
  return {
    kind: q.get('kind') === 'alert' ? 'alert' : 'event',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
    action,
    ip: q.get('ip') ?? '',
    user: q.get('user') ?? '',
    call_id: q.get('call_id') ?? '',
    text: q.get('text') ?? '',
    limit: Math.min(1000, Math.max(1, Number(q.get('limit')) || PAGE)),
  };
}

function filterParams(f: Filter): Record<string, string> {
  const p: Record<string, string> = {};
  if (f.kind !== 'event') p['kind'] = f.kind;
  for (const k of ['from', 'to', 'ip', 'user', 'call_id', 'text'] as const) if (f[k].trim() !== '') p[k] = f[k].trim();
  if (f.action.length > 0) p['action'] = f.action.join(',');
  if (f.limit !== PAGE) p['limit'] = String(f.limit);
  return p;
}

/** The live tail's own check of what the server would have filtered. */
function matches(doc: Doc, f: Filter): boolean {
  if (str(doc, 'event.kind') !== f.kind) return false;
  if (f.action.length > 0 && !f.action.includes(str(doc, 'event.action')) && !f.action.includes(str(doc, 'rule.name'))) return false;
  const t = Date.parse(str(doc, '@timestamp'));
  if (f.from !== '' && t < Date.parse(f.from)) return false;
  if (f.to !== '' && t >= Date.parse(f.to)) return false;
  if (f.ip !== '') {
    const ips = ['client.ip', 'server.ip', 'source.ip', 'destination.ip'].map((p) => str(doc, p)).filter((x) => x !== '');
    if (!ips.some((ip) => ipMatches(ip, f.ip))) return false;
  }
  if (f.user !== '' && str(doc, 'user.name') !== f.user) return false;
  if (f.call_id !== '' && str(doc, 'sip.call_id') !== f.call_id) return false;
  if (f.text !== '' && !JSON.stringify(doc).toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}

export function Events({ route }: { route: Route }): VNode {
  const app = useApp();
  const filter = filterFrom(route.query);
  const [form, setForm] = useState<Filter>(filter);
  const [rows, setRows] = useState<Doc[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Doc | null>(null);
  const [live, setLive] = useState(false);
  const [liveState, setLiveState] = useState<{ s: StreamState; detail?: string }>({ s: 'closed' });
  const [fresh, setFresh] = useState<WeakSet<Doc>>(new WeakSet());
  const filterRef = useRef(filter);
  filterRef.current = filter;

  // Alerts: the rule names typed as text (event.action of an alert is its rule).
  const [rules, setRules] = useState(filter.kind === 'alert' ? filter.action.join(', ') : '');
  // The form follows the URL (back/forward, links from other pages).
  useEffect(() => {
    const f = filterFrom(route.query);
    setForm(f);
    setRules(f.kind === 'alert' ? f.action.join(', ') : '');
  }, [route.search]);

  usePoll(
    async (signal) => {
      setLoading(true);
      setError(null);
      try {
        const p = await api<EventsPage>('/api/v1/events' + qs({ ...filterParams(filter), kind: filter.kind, limit: filter.limit }), { signal });
        setRows(p.events);
        setNext(p.next);
        setSelected(null);
      } catch (err) {
        if (signal.aborted) return;
        setRows([]);
        setNext(null);
        setError(errorText(err));
      } finally {
        if (!signal.aborted) setLoading(false);
      }
    },
    0,
    [route.search, app.token],
  );

  const older = async (): Promise<void> => {
    if (next === null) return;
    setLoading(true);
    try {
      const p = await api<EventsPage>('/api/v1/events' + qs({ ...filterParams(filter), kind: filter.kind, limit: filter.limit, cursor: next }));
      setRows((r) => [...r, ...p.events]);
      setNext(p.next);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (!live) return;
    const close = openStream(
      '/api/v1/events/stream?kind=' + filter.kind,
      (_type, data) => {
        let doc: Doc;
        try {
          doc = JSON.parse(data) as Doc;
        } catch {
          return;
        }
        if (!matches(doc, filterRef.current)) return;
        setFresh((f) => {
          f.add(doc);
          return f;
        });
        setRows((r) => {
          const out = [doc, ...r];
          if (out.length > LIVE_CAP) {
            // The list no longer joins up with the cursor's page: older pages would skip rows.
            setNext(null);
            return out.slice(0, LIVE_CAP);
          }
          return out;
        });
      },
      (s, detail) => setLiveState(detail === undefined ? { s } : { s, detail }),
    );
    return close;
  }, [live, route.search, app.token]);

  const submit = (e: Event): void => {
    e.preventDefault();
    const f = form.kind === 'alert' ? { ...form, action: rules.split(',').map((x) => x.trim()).filter((x) => x !== '') } : form;
    const p = new URLSearchParams(filterParams(f)).toString();
    navigate('#/events' + (p === '' ? '' : '?' + p));
  };
  const reset = (): void => {
    setForm(filterFrom(new URLSearchParams()));
    setRules('');
    navigate('#/events');
  };
  // Searches compare stored values: with encryption on, those are ciphertext.
  const enc = (app.info?.encryption ?? null) !== null;
  const set = <K extends keyof Filter>(k: K, v: Filter[K]): void => setForm({ ...form, [k]: v });
  const input = (k: 'ip' | 'user' | 'call_id' | 'text', label: string, placeholder: string) =>
    html`<label>${label} <input name=${k} value=${form[k]} placeholder=${placeholder} data-testid=${'filter-' + k.replace('_', '-')} onInput=${(e: Event) => set(k, (e.target as HTMLInputElement).value)} /></label>`;

  return html`<section class="page" aria-labelledby="ev-h">
    <h1 id="ev-h">${filter.kind === 'alert' ? 'Alerts' : 'Events'}</h1>
    <form class="filters panel" aria-label="Filter events" onSubmit=${submit} data-testid="events-filter">
      <div class="row">
        <label>Kind
          <select name="kind" data-testid="filter-kind" value=${form.kind} onChange=${(e: Event) => setForm({ ...form, kind: (e.target as HTMLSelectElement).value === 'alert' ? 'alert' : 'event', action: [] })}>
            <option value="event">events</option>
            <option value="alert">alerts</option>
          </select>
        </label>
        <label>From <input type="datetime-local" step="1" name="from" data-testid="filter-from" value=${toLocalInput(form.from)} onInput=${(e: Event) => set('from', fromLocalInput((e.target as HTMLInputElement).value))} /></label>
        <label>To <input type="datetime-local" step="1" name="to" data-testid="filter-to" value=${toLocalInput(form.to)} onInput=${(e: Event) => set('to', fromLocalInput((e.target as HTMLInputElement).value))} /></label>
        ${input('ip', 'IP or CIDR', enc ? 'ciphertext' : '10.0.0.0/8')}
        ${input('user', 'User', enc ? 'ciphertext' : '1001')}
        ${input('call_id', 'Call-ID', enc ? 'ciphertext' : '')}
        ${input('text', 'Text', 'free text')}
        <label>Rows
          <select name="limit" data-testid="filter-limit" value=${String(form.limit)} onChange=${(e: Event) => set('limit', Number((e.target as HTMLSelectElement).value))}>
            ${[...new Set([...PAGE_SIZES, form.limit])].sort((a, b) => a - b).map((n) => html`<option value=${String(n)}>${n}</option>`)}
          </select>
        </label>
      </div>
      ${form.kind === 'alert' &&
      html`<div class="row"><label>Rules <input name="rules" size="40" placeholder="e.g. extension-enumeration, auth-guessing-source" data-testid="filter-rules"
        value=${rules} onInput=${(e: Event) => setRules((e.target as HTMLInputElement).value)} /></label></div>`}
      ${form.kind === 'event' &&
      html`<fieldset class="actions" data-testid="filter-actions">
        <legend>Actions <span class="muted small">(none checked = all)</span></legend>
        ${ACTIONS.map(
          (a) => html`<label class="check"><input type="checkbox" name="action" value=${a} checked=${form.action.includes(a)}
            data-testid=${'filter-action-' + a}
            onChange=${(e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              set('action', on ? [...form.action.filter((x) => x !== a), a] : form.action.filter((x) => x !== a));
            }} />${a}</label>`,
        )}
      </fieldset>`}
      <div class="row buttons">
        <button type="submit" class="primary" data-testid="filter-submit">Search</button>
        <button type="button" onClick=${reset}>Reset</button>
        <label class="check live"><input type="checkbox" checked=${live} data-testid="live-tail" onChange=${(e: Event) => setLive((e.target as HTMLInputElement).checked)} />Live tail</label>
        ${live && html`<span class=${'live-state ' + liveState.s} data-testid="live-state" role="status">${liveState.s}${liveState.detail !== undefined ? ` (${liveState.detail})` : ''}</span>`}
      </div>
    </form>
    <${ErrorBox} error=${error} testid="events-error" />
    <div class="split">
      <div class="panel list">
        <p class="muted small" data-testid="events-count">${loading ? 'Loading…' : `${rows.length} shown${next !== null ? ', more available' : ''}`}</p>
        ${rows.length === 0 && !loading && error === null
          ? html`<p class="muted" data-testid="no-events">No ${filter.kind === 'alert' ? 'alerts' : 'events'} match.</p>`
          : html`<div class="table-wrap"><${EventTable} rows=${rows} kind=${filter.kind} selected=${selected} fresh=${fresh} onSelect=${setSelected} /></div>`}
        ${next !== null && html`<button type="button" data-testid="older" disabled=${loading} onClick=${() => void older()}>Older</button>`}
      </div>
      ${selected !== null && html`<${Detail} raw=${selected} onClose=${() => setSelected(null)} callFlows=${app.info?.callFlows !== false} />`}
    </div>
  </section>`;
}

function EventTable({ rows, kind, selected, fresh, onSelect }: { rows: Doc[]; kind: 'event' | 'alert'; selected: Doc | null; fresh: WeakSet<Doc>; onSelect: (d: Doc) => void }): VNode {
  const head =
    kind === 'event'
      ? ['Time', 'Action', 'Client', 'From', 'To', 'User', 'Status', 'Duration']
      : ['Time', 'Rule', 'Severity', 'Source', 'Description', 'Count'];
  return html`<table class="data events" data-testid="events-table">
    <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>
      ${rows.map((raw, i) => {
        const { doc, error } = decDoc(raw);
        const cls = ['clickable', raw === selected ? 'selected' : '', fresh.has(raw) ? 'fresh' : '', error !== null ? 'undecryptable' : ''].join(' ');
        const pick = (): void => onSelect(raw);
        const key = (e: KeyboardEvent): void => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            pick();
          }
        };
        const ts = str(doc, '@timestamp');
        const time = html`<td class="nowrap" title=${isoTitle(ts)}>${fmtTime(ts)}</td>`;
        if (kind === 'alert') {
          return html`<tr key=${i} class=${cls} tabindex="0" data-testid="event-row" data-action=${str(doc, 'event.action')} aria-selected=${raw === selected} onClick=${pick} onKeyDown=${key} title=${error ?? ''}>
            ${time}
            <td>${str(doc, 'rule.name')}</td>
            <td>${str(doc, 'sip.alert.severity')}</td>
            <td class="mono">${hostPort(str(doc, 'source.ip'), num(doc, 'source.port'))}</td>
            <td class="desc">${str(doc, 'rule.description')}</td>
            <td class="num">${str(doc, 'sip.alert.count')}</td>
          </tr>`;
        }
        const status = num(doc, 'sip.response.status');
        const reason = str(doc, 'sip.response.reason');
        const errCode = str(doc, 'error.code');
        const dur = num(doc, 'event.duration');
        return html`<tr key=${i} class=${cls} tabindex="0" data-testid="event-row" data-action=${str(doc, 'event.action')} aria-selected=${raw === selected} onClick=${pick} onKeyDown=${key} title=${error ?? ''}>
          ${time}
          <td><span class=${'action ' + outcomeClass(str(doc, 'event.outcome'))} data-testid="event-action">${str(doc, 'event.action')}</span>${get(doc, 'sip.rate.state') !== undefined && html` <span class="tag" title="rate limited">rate</span>`}${get(doc, 'sip.partial') === true && html` <span class="tag" title="partial: the probe did not see the start">partial</span>`}</td>
          <td class="mono nowrap">${hostPort(str(doc, 'client.ip'), num(doc, 'client.port'))}</td>
          <td class="uri" title=${str(doc, 'sip.from')}>${str(doc, 'sip.from')}</td>
          <td class="uri" title=${str(doc, 'sip.to')}>${str(doc, 'sip.to')}</td>
          <td>${str(doc, 'user.name')}</td>
          <td class="nowrap">${status !== null ? `${status} ${reason}`.trim() : errCode}${get(doc, 'sip.timeout') === true ? ' (timeout)' : ''}${get(doc, 'sip.cancelled') === true ? ' (cancelled)' : ''}</td>
          <td class="nowrap num">${dur === null ? '' : fmtDuration(dur / 1e6)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function outcomeClass(o: string): string {
  return o === 'success' ? 'ok' : o === 'failure' ? 'bad' : 'neutral';
}

function Detail({ raw, onClose, callFlows }: { raw: Doc; onClose: () => void; callFlows: boolean }): VNode {
  const { doc, error, decrypted } = decDoc(raw);
  const callId = str(raw, 'sip.call_id');
  const shownCallId = str(doc, 'sip.call_id');
  return html`<aside class="panel detail" aria-label="Event detail" data-testid="event-detail">
    <div class="detail-head">
      <h2>${str(doc, 'rule.name') || str(doc, 'event.action')} <span class="muted small">${fmtTime(str(doc, '@timestamp'))}</span></h2>
      <button type="button" class="small" onClick=${onClose} aria-label="Close detail">✕</button>
    </div>
    ${callId !== '' &&
    html`<p>Call-ID <code>${shownCallId}</code>
      ${callFlows && html`<span class="sep">·</span><a href=${flowHref(callId)} data-testid="flow-link">Call flow</a>`}
      <span class="sep">·</span><a href=${'#/events?call_id=' + encodeURIComponent(callId)}>all events of this call</a></p>`}
    ${decrypted && html`<p class="badge ok small">decrypted locally</p>`}
    <${ErrorBox} error=${error === null ? null : `not decrypted: ${error}`} />
    <${Json} value=${doc} testid="event-json" />
  </aside>`;
}
