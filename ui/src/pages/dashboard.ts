// Rates over time, events by type, top sources and users, active calls and registrations, the
// latest alerts. Refreshed every 5 s.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { Bars, ErrorBox } from '../components/common.js';
import { RatesChart } from '../components/rates-chart.js';
import { decFields, decIp } from '../decrypt.js';
import { usePoll } from '../hooks.js';
import { eventsHref } from '../router.js';
import { useApp } from '../state.js';
import type { BindingsPage, CallsPage, EventsPage, Rates, Summary } from '../types.js';
import { AlertTable } from './attackers.js';

interface Data {
  rates: Rates | null;
  summary: Summary | null;
  calls: number | null;
  regs: number | null;
  alerts: EventsPage | null;
  errors: Record<string, string>;
}

export function Dashboard(): VNode {
  const app = useApp();
  const [d, setD] = useState<Data>({ rates: null, summary: null, calls: null, regs: null, alerts: null, errors: {} });
  const [updated, setUpdated] = useState<number | null>(null);

  usePoll(
    async (signal) => {
      const [rates, summary, calls, regs, alerts] = await Promise.allSettled([
        api<Rates>('/api/v1/rates', { signal }),
        api<Summary>('/api/v1/summary', { signal }),
        api<CallsPage>('/api/v1/calls?limit=1', { signal }),
        api<BindingsPage>('/api/v1/registrations?limit=1', { signal }),
        api<EventsPage>('/api/v1/events?kind=alert&limit=10', { signal }),
      ]);
      if (signal.aborted) return;
      const errors: Record<string, string> = {};
      const val = <T>(name: string, r: PromiseSettledResult<T>): T | null => {
        if (r.status === 'fulfilled') return r.value;
        errors[name] = errorText(r.reason);
        return null;
      };
      setD({
        rates: val('rates', rates),
        summary: val('summary', summary),
        calls: val('calls', calls)?.total ?? null,
        regs: val('regs', regs)?.total ?? null,
        alerts: val('alerts', alerts),
        errors,
      });
      setUpdated(Date.now());
    },
    5000,
    [app.token],
  );

  const s = d.summary;
  const total = s === null ? null : s.byAction.reduce((a, x) => a + x.count, 0);
  const alertTotal = s === null ? null : s.alertsByRule.reduce((a, x) => a + x.count, 0);
  const interval = d.rates?.intervalS ?? null;

  return html`<section class="page" aria-labelledby="dash-h">
    <h1 id="dash-h">Dashboard</h1>
    <div class="cards">
      <${Card} label="Active calls" value=${d.calls} testid="active-calls" href="#/calls" />
      <${Card} label="Registrations" value=${d.regs} testid="active-registrations" href="#/calls" />
      <${Card} label="Events" value=${total} testid="total-events" href="#/events" />
      <${Card} label="Alerts" value=${alertTotal} testid="total-alerts" href="#/attackers" />
    </div>
    <div class="panel">
      <h2>Rates${interval === null ? '' : html` <span class="muted">(per ${interval} s, packet time)</span>`}</h2>
      <${ErrorBox} error=${d.errors['rates'] ?? null} />
      <${RatesChart} rates=${d.rates} />
    </div>
    <div class="grid">
      <div class="panel">
        <h2>Events by type</h2>
        <${ErrorBox} error=${d.errors['summary'] ?? null} />
        ${s !== null &&
        html`<${Bars}
          testid="by-action"
          empty="No events yet."
          items=${[...s.byAction].sort((a, b) => b.count - a.count).map((x) => ({ key: x.action, label: x.action, count: x.count }))}
          href=${(k: string) => eventsHref({ action: k })}
        />`}
      </div>
      <div class="panel">
        <h2>Top sources</h2>
        ${s !== null &&
        html`<${Bars}
          testid="top-sources"
          empty="No sources yet."
          items=${s.topSources.map((x) => ({ key: x.ip, label: decIp(x.ip), count: x.count }))}
          href=${(k: string) => eventsHref({ ip: k })}
        />`}
      </div>
      <div class="panel">
        <h2>Top targeted users</h2>
        ${s !== null &&
        html`<${Bars}
          testid="top-users"
          empty="No users yet."
          items=${s.topUsers.map((x) => ({ key: x.user, label: decFields({ user: x.user }).user ?? x.user, count: x.count }))}
          href=${(k: string) => eventsHref({ user: k })}
        />`}
      </div>
      <div class="panel">
        <h2>Alerts by rule</h2>
        ${s !== null &&
        html`<${Bars}
          testid="alerts-by-rule"
          empty="No alerts."
          items=${s.alertsByRule.map((x) => ({ key: x.rule, label: x.rule, count: x.count }))}
          href=${(k: string) => eventsHref({ kind: 'alert', action: k })}
        />`}
      </div>
    </div>
    <div class="panel">
      <h2>Latest alerts</h2>
      <${ErrorBox} error=${d.errors['alerts'] ?? null} />
      ${d.alerts !== null && html`<${AlertTable} alerts=${d.alerts.events} compact=${true} />`}
    </div>
    <p class="muted small">${updated === null ? 'Loading…' : `Updated ${new Date(updated).toLocaleTimeString()} · every 5 s`}</p>
  </section>`;
}

function Card({ label, value, testid, href }: { label: string; value: number | null; testid: string; href: string }): VNode {
  return html`<a class="card" href=${href}>
    <span class="card-label">${label}</span>
    <span class="card-value" data-testid=${testid}>${value === null ? '–' : value.toLocaleString('en-US')}</span>
  </a>`;
}
