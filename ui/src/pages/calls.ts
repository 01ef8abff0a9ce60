// Calls in progress and registration bindings the tracker holds now; each call links to its flow.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorBox } from '../components/common.js';
import { decCallId, decFields, decIp } from '../decrypt.js';
import { fmtDuration, fmtTime, hostPort } from '../format.js';
import { usePoll } from '../hooks.js';
import { flowHref } from '../router.js';
import { probeNow, useApp } from '../state.js';
import type { BindingsPage, CallsPage } from '../types.js';

const LIMIT = 500;

export function Calls(): VNode {
  const app = useApp();
  const [calls, setCalls] = useState<CallsPage | null>(null);
  const [regs, setRegs] = useState<BindingsPage | null>(null);
  const [errors, setErrors] = useState<{ calls: string | null; regs: string | null }>({ calls: null, regs: null });

  usePoll(
    async (signal) => {
      const [c, r] = await Promise.allSettled([api<CallsPage>(`/api/v1/calls?limit=${LIMIT}`, { signal }), api<BindingsPage>(`/api/v1/registrations?limit=${LIMIT}`, { signal })]);
      if (signal.aborted) return;
      if (c.status === 'fulfilled') setCalls(c.value);
      if (r.status === 'fulfilled') setRegs(r.value);
      setErrors({ calls: c.status === 'rejected' ? errorText(c.reason) : null, regs: r.status === 'rejected' ? errorText(r.reason) : null });
    },
    5000,
    [app.token],
  );

  const now = probeNow(app);
  const flows = app.info?.callFlows !== false;

  return html`<section class="page" aria-labelledby="calls-h">
    <h1 id="calls-h">Calls and registrations</h1>
    <div class="panel">
      <h2>Active calls ${calls !== null && html`<span class="muted" data-testid="calls-total">(${calls.total}${calls.truncated ? `, first ${calls.calls.length} shown` : ''})</span>`}</h2>
      <${ErrorBox} error=${errors.calls} />
      ${calls !== null &&
      (calls.calls.length === 0
        ? html`<p class="muted" data-testid="no-calls">No calls in progress.</p>`
        : html`<div class="table-wrap"><table class="data" data-testid="calls-table">
            <thead><tr><th scope="col">Call-ID</th><th scope="col">From</th><th scope="col">To</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Answered</th><th scope="col">Duration</th><th scope="col">Client</th><th scope="col">Server</th></tr></thead>
            <tbody>
              ${calls.calls.map((c) => {
                const [from, to] = decFields({ uri: [c.from, c.to] }).uri;
                const since = c.startedAt === null ? null : now - Date.parse(c.startedAt);
                return html`<tr key=${c.callId} data-testid="call-row">
                  <td class="mono">${flows ? html`<a href=${flowHref(c.callId)} data-testid="call-flow-link">${decCallId(c.callId)}</a>` : decCallId(c.callId)}</td>
                  <td class="uri">${from ?? ''}</td>
                  <td class="uri">${to ?? ''}</td>
                  <td><span class=${'tag ' + (c.state === 'confirmed' ? 'ok' : '')}>${c.state}</span></td>
                  <td class="nowrap">${fmtTime(c.createdAt)}</td>
                  <td class="nowrap">${fmtTime(c.startedAt)}</td>
                  <td class="nowrap">${since === null ? '' : fmtDuration(Math.max(0, since))}</td>
                  <td class="mono">${hostPort(decIp(c.client.ip), c.client.port)}</td>
                  <td class="mono">${hostPort(decIp(c.server.ip), c.server.port)}</td>
                </tr>`;
              })}
            </tbody>
          </table></div>`)}
    </div>
    <div class="panel">
      <h2>Registrations ${regs !== null && html`<span class="muted" data-testid="registrations-total">(${regs.total}${regs.truncated ? `, first ${regs.bindings.length} shown` : ''})</span>`}</h2>
      <${ErrorBox} error=${errors.regs} />
      ${regs !== null &&
      (regs.bindings.length === 0
        ? html`<p class="muted">No registrations.</p>`
        : html`<div class="table-wrap"><table class="data" data-testid="registrations-table">
            <thead><tr><th scope="col">AoR</th><th scope="col">Contact</th><th scope="col">Registered</th><th scope="col">Expires</th><th scope="col">In</th><th scope="col">Client</th><th scope="col">User agent</th></tr></thead>
            <tbody>
              ${regs.bindings.map((b) => {
                const d = decFields({ uri: [b.aor, b.contact], userAgent: b.userAgent });
                const left = Date.parse(b.expiresAt) - now;
                return html`<tr key=${b.aor + ' ' + b.contact} data-testid="registration-row">
                  <td class="uri">${d.uri[0]}</td>
                  <td class="uri">${d.uri[1]}</td>
                  <td class="nowrap">${fmtTime(b.registeredAt)}</td>
                  <td class="nowrap">${fmtTime(b.expiresAt)}</td>
                  <td class="nowrap">${Number.isNaN(left) ? '' : left <= 0 ? 'expired' : fmtDuration(left)}</td>
                  <td class="mono">${hostPort(decIp(b.client.ip), b.client.port)}</td>
                  <td>${d.userAgent ?? ''}</td>
                </tr>`;
              })}
            </tbody>
          </table></div>`)}
    </div>
  </section>`;
}
