// Alerts, the blocklist (ban, unban, TTL) and the allowlist. Changes need the API token (Settings).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorBox, Notice } from '../components/common.js';
import { addressesEncrypted, decDoc, decIp, decNetwork } from '../decrypt.js';
import { fmtDuration, fmtTime, get, isoTitle, num, str } from '../format.js';
import { usePoll } from '../hooks.js';
import { eventsHref } from '../router.js';
import { probeNow, useApp } from '../state.js';
import type { AllowEntry, BlockEntry, BlocklistPage, Doc, EventsPage } from '../types.js';

const SEVERITY: Record<string, string> = { low: 'sev-low', medium: 'sev-medium', high: 'sev-high', critical: 'sev-critical' };

function severityOf(doc: Doc): string {
  const s = str(doc, 'sip.alert.severity');
  if (s !== '') return s;
  const n = num(doc, 'event.severity');
  if (n === null) return '';
  return n >= 99 ? 'critical' : n >= 73 ? 'high' : n >= 47 ? 'medium' : 'low';
}

export function AlertTable({ alerts, compact, onBan, busy }: { alerts: Doc[]; compact?: boolean; onBan?: (ip: string, reason: string) => void; busy?: boolean }): VNode {
  if (alerts.length === 0) return html`<p class="muted" data-testid="no-alerts">No alerts.</p>`;
  return html`<div class="table-wrap"><table class="data" data-testid="alerts-table">
    <thead><tr>
      <th scope="col">Time</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Source</th>
      ${!compact && html`<th scope="col">Description</th>`}<th scope="col" class="num">Count</th>${onBan !== undefined && html`<th scope="col"><span class="sr-only">Actions</span></th>`}
    </tr></thead>
    <tbody>
      ${alerts.map((raw, i) => {
        const { doc, error } = decDoc(raw);
        const sev = severityOf(doc);
        const rawIp = str(raw, 'source.ip');
        const ip = str(doc, 'source.ip');
        const port = get(doc, 'source.port');
        const target = str(doc, 'sip.alert.target');
        return html`<tr key=${i} data-testid="alert-row" title=${error ?? ''}>
          <td class="nowrap" title=${isoTitle(str(doc, '@timestamp'))}>${fmtTime(str(doc, '@timestamp'))}</td>
          <td><span class=${'sev ' + (SEVERITY[sev] ?? '')}>${sev}</span></td>
          <td>${str(doc, 'rule.name') || str(doc, 'event.action')}${target !== '' && html` <span class="muted">→ ${target}</span>`}</td>
          <td class="mono">${rawIp === '' ? '' : html`<a href=${eventsHref({ ip: rawIp })} title="events from this source">${ip}${typeof port === 'number' ? ':' + port : ''}</a>`}</td>
          ${!compact && html`<td class="desc">${str(doc, 'rule.description')}</td>`}
          <td class="num">${str(doc, 'sip.alert.count')}</td>
          ${onBan !== undefined &&
          html`<td>${rawIp !== '' &&
          html`<button type="button" class="danger small" disabled=${busy} aria-label=${'Ban ' + ip} data-testid="alert-ban" onClick=${() => onBan(rawIp, str(doc, 'rule.name') || 'alert')}>Ban</button>`}</td>`}
        </tr>`;
      })}
    </tbody>
  </table></div>`;
}

export function Attackers(): VNode {
  const app = useApp();
  const [alerts, setAlerts] = useState<Doc[] | null>(null);
  const [alertsError, setAlertsError] = useState<string | null>(null);
  const [block, setBlock] = useState<BlockEntry[] | null>(null);
  const [blockNext, setBlockNext] = useState<number | string | null>(null);
  const [blockError, setBlockError] = useState<string | null>(null);
  const [allow, setAllow] = useState<AllowEntry[] | null>(null);
  const [allowError, setAllowError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [actionNote, setActionNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ban, setBan] = useState({ ip: '', reason: '', ttl: '' });
  const [allowForm, setAllowForm] = useState({ cidr: '', note: '' });

  const reload = usePoll(
    async (signal) => {
      const [a, b, w] = await Promise.allSettled([
        api<EventsPage>('/api/v1/events?kind=alert&limit=100', { signal }),
        api<BlocklistPage>('/api/v1/blocklist?limit=1000', { signal }),
        api<{ allow: AllowEntry[] }>('/api/v1/allowlist', { signal }),
      ]);
      if (signal.aborted) return;
      if (a.status === 'fulfilled') {
        setAlerts(a.value.events);
        setAlertsError(null);
      } else setAlertsError(errorText(a.reason));
      if (b.status === 'fulfilled') {
        setBlock(b.value.entries);
        setBlockNext(b.value.next);
        setBlockError(null);
      } else setBlockError(errorText(b.reason));
      if (w.status === 'fulfilled') {
        setAllow(w.value.allow);
        setAllowError(null);
      } else setAllowError(errorText(w.reason));
    },
    5000,
    [app.token],
  );

  /** Runs a change; true when it went through (the note shown), false when refused (the error shown). */
  const change = async (what: () => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setActionError(null);
    setActionNote(null);
    try {
      setActionNote(await what());
      reload();
      return true;
    } catch (err) {
      setActionError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const doBan = (ip: string, reason: string, ttl: string): Promise<boolean> =>
    change(async () => {
      const body: { ip: string; reason?: string; ttl?: number | string } = { ip: ip.trim() };
      if (reason.trim() !== '') body.reason = reason.trim();
      const t = ttl.trim();
      if (t !== '') body.ttl = /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
      const e = await api<BlockEntry>('/api/v1/blocklist', { method: 'POST', body });
      return `Banned ${decIp(e.ip)} until ${fmtTime(e.expires)}.`;
    });

  const unban = (ip: string): Promise<boolean> =>
    change(async () => {
      await api<{ removed: string }>('/api/v1/blocklist/' + encodeURIComponent(ip), { method: 'DELETE' });
      return `Unbanned ${decIp(ip)}.`;
    });

  const more = async (): Promise<void> => {
    if (blockNext === null) return;
    try {
      const p = await api<BlocklistPage>(`/api/v1/blocklist?after=${encodeURIComponent(String(blockNext))}&limit=1000`);
      setBlock((b) => [...(b ?? []), ...p.entries]);
      setBlockNext(p.next);
    } catch (err) {
      setBlockError(errorText(err));
    }
  };

  const now = probeNow(app);
  // With addresses encrypted the API takes ciphertext: a plaintext address would decrypt to another one.
  const cipherHint = addressesEncrypted()
    ? html`<p class="notice warn small" data-testid="cipher-hint">Addresses are encrypted: enter them as ciphertext, as the events show them without a key
        (<code>sipsentry encrypt-value --field ip ADDRESS</code>); a plaintext address would be read as the ciphertext of another one.</p>`
    : null;
  const tokenHint = app.token === '' ? html`<p class="muted small">Changes need the API token: set it in <a href="#/settings">Settings</a>.</p>` : null;

  return html`<section class="page" aria-labelledby="att-h">
    <h1 id="att-h">Attackers</h1>
    ${tokenHint}
    ${cipherHint}
    <${ErrorBox} error=${actionError} testid="action-error" />
    <${Notice} text=${actionNote} />

    <div class="panel">
      <h2>Alerts</h2>
      <${ErrorBox} error=${alertsError} />
      ${alerts !== null && html`<${AlertTable} alerts=${alerts} busy=${busy} onBan=${(ip: string, reason: string) => void doBan(ip, reason, '')} />`}
    </div>

    <div class="panel">
      <h2>Blocklist</h2>
      <form class="inline-form" aria-label="Ban an address" onSubmit=${(e: Event) => {
        e.preventDefault();
        void doBan(ban.ip, ban.reason, ban.ttl).then((ok) => ok && setBan({ ip: '', reason: '', ttl: '' }));
      }}>
        <label>IP address <input name="ip" required value=${ban.ip} data-testid="ban-ip" onInput=${(e: Event) => setBan({ ...ban, ip: (e.target as HTMLInputElement).value })} /></label>
        <label>Reason <input name="reason" value=${ban.reason} placeholder="manual" data-testid="ban-reason" onInput=${(e: Event) => setBan({ ...ban, reason: (e.target as HTMLInputElement).value })} /></label>
        <label>TTL <input name="ttl" value=${ban.ttl} placeholder="default; 3600, 2h, 7d" size="18" data-testid="ban-ttl" onInput=${(e: Event) => setBan({ ...ban, ttl: (e.target as HTMLInputElement).value })} /></label>
        <button type="submit" class="danger" disabled=${busy} data-testid="ban-submit">Ban</button>
      </form>
      <${ErrorBox} error=${blockError} />
      ${block !== null &&
      (block.length === 0
        ? html`<p class="muted" data-testid="blocklist-empty">The blocklist is empty.</p>`
        : html`<div class="table-wrap"><table class="data" data-testid="blocklist-table">
            <thead><tr>
              <th scope="col">Address</th><th scope="col">Reason</th><th scope="col">Origin</th><th scope="col" class="num">Hits</th>
              <th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">TTL left</th><th scope="col"><span class="sr-only">Actions</span></th>
            </tr></thead>
            <tbody>
              ${block.map(
                (e) => html`<tr key=${e.ip} data-testid="blocklist-row" data-ip=${e.ip}>
                  <td class="mono">${decIp(e.ip)}</td>
                  <td>${e.reason}</td>
                  <td>${e.origin}</td>
                  <td class="num">${e.hits}</td>
                  <td class="nowrap" title=${e.firstSeen}>${fmtTime(e.firstSeen)}</td>
                  <td class="nowrap" title=${e.lastSeen}>${fmtTime(e.lastSeen)}</td>
                  <td class="nowrap" title=${'expires ' + e.expires}>${ttlLeft(e.expires, now)}</td>
                  <td><button type="button" class="small" disabled=${busy} aria-label=${'Unban ' + decIp(e.ip)} data-testid="unban" onClick=${() => void unban(e.ip)}>Unban</button></td>
                </tr>`,
              )}
            </tbody>
          </table></div>`)}
      ${blockNext !== null && html`<button type="button" onClick=${() => void more()}>More</button>`}
    </div>

    <div class="panel">
      <h2>Allowlist</h2>
      <p class="muted small">Allowlisted sources and users are never blocked.</p>
      <form class="inline-form" aria-label="Allow a prefix" onSubmit=${(e: Event) => {
        e.preventDefault();
        void change(async () => {
          const r = await api<{ cidr: string }>('/api/v1/allowlist', { method: 'POST', body: { cidr: allowForm.cidr.trim(), note: allowForm.note } });
          return `Allowed ${decNetwork(r.cidr)}.`;
        }).then((ok) => ok && setAllowForm({ cidr: '', note: '' }));
      }}>
        <label>Address or CIDR <input name="cidr" required value=${allowForm.cidr} data-testid="allow-cidr" onInput=${(e: Event) => setAllowForm({ ...allowForm, cidr: (e.target as HTMLInputElement).value })} /></label>
        <label>Note <input name="note" value=${allowForm.note} data-testid="allow-note" onInput=${(e: Event) => setAllowForm({ ...allowForm, note: (e.target as HTMLInputElement).value })} /></label>
        <button type="submit" disabled=${busy} data-testid="allow-submit">Allow</button>
      </form>
      <${ErrorBox} error=${allowError} />
      ${allow !== null &&
      (allow.length === 0
        ? html`<p class="muted">The allowlist is empty.</p>`
        : html`<table class="data" data-testid="allowlist-table">
            <thead><tr><th scope="col">Prefix</th><th scope="col">Note</th><th scope="col">Origin</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              ${allow.map(
                (a) => html`<tr key=${a.cidr} data-testid="allowlist-row">
                  <td class="mono">${decNetwork(a.cidr)}</td>
                  <td>${a.note ?? ''}</td>
                  <td>${a.origin ?? ''}</td>
                  <td><button type="button" class="small" disabled=${busy} aria-label=${'Remove ' + decNetwork(a.cidr)} onClick=${() =>
                    void change(async () => {
                      await api('/api/v1/allowlist/' + encodeURIComponent(a.cidr), { method: 'DELETE' });
                      return `Removed ${decNetwork(a.cidr)} from the allowlist.`;
                    })}>Remove</button></td>
                </tr>`,
              )}
            </tbody>
          </table>`)}
    </div>
  </section>`;
}

function ttlLeft(expires: string, nowMs: number): string {
  const t = Date.parse(expires);
  if (Number.isNaN(t)) return '';
  const left = t - nowMs;
  return left <= 0 ? 'expired' : fmtDuration(left);
}
