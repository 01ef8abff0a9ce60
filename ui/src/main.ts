// sipsentry's web UI: one page, hash-routed, served by sipsentry itself under /ui/.
import { html, render } from 'htm/preact';
import type { VNode } from 'preact';
import { api, errorText } from './api.js';
import { usePoll } from './hooks.js';
import { Attackers } from './pages/attackers.js';
import { Calls } from './pages/calls.js';
import { Dashboard } from './pages/dashboard.js';
import { Events } from './pages/events.js';
import { Flow } from './pages/flow.js';
import { Settings } from './pages/settings.js';
import { useRoute, type Route } from './router.js';
import { store, useApp } from './state.js';
import type { Info } from './types.js';

const NAV: { page: string; label: string }[] = [
  { page: 'dashboard', label: 'Dashboard' },
  { page: 'events', label: 'Events' },
  { page: 'calls', label: 'Calls' },
  { page: 'attackers', label: 'Attackers' },
  { page: 'settings', label: 'Settings' },
];

function Page({ route }: { route: Route }): VNode {
  switch (route.page) {
    case 'dashboard':
      return html`<${Dashboard} />`;
    case 'events':
      return html`<${Events} route=${route} />`;
    case 'calls':
      return html`<${Calls} />`;
    case 'flow':
      return html`<${Flow} key=${route.arg} callId=${route.arg} />`;
    case 'attackers':
      return html`<${Attackers} />`;
    case 'settings':
      return html`<${Settings} />`;
    default:
      return html`<section class="page"><h1>Not found</h1><p>No page <code>${route.page}</code>. <a href="#/dashboard">Dashboard</a></p></section>`;
  }
}

function StatusLine(): VNode {
  const app = useApp();
  const i = app.info;
  if (i === null) return html`<span class="status muted" data-testid="status">${app.infoError ?? 'connecting…'}</span>`;
  const enc = i.encryption;
  return html`<span class="status" data-testid="status" title=${app.infoError ?? ''}>
    sipsentry ${i.version} · ${i.live ? 'live' : 'file'} · ${enc === null ? 'not encrypted' : `encryption ${enc.groups.join(',')}`}
    ${!i.store && ' · no event store'}${app.infoError !== null && html` · <span class="bad">${app.infoError}</span>`}
  </span>`;
}

function CryptoBanner(): VNode | null {
  const app = useApp();
  const enc = app.info?.encryption ?? null;
  if (enc === null) return null;
  if (app.decryptor !== null) {
    return html`<div class="banner ok" role="status" data-testid="crypto-badge">decrypted locally (key ${app.decryptor.keyId})</div>`;
  }
  return html`<div class="banner warn" role="status" data-testid="crypto-banner">encrypted (key ${enc.keyId}) — values are shown as ciphertext. <a href="#/settings">Decrypt in this browser</a></div>`;
}

function App(): VNode {
  const route = useRoute();
  const app = useApp();
  usePoll(
    async (signal) => {
      try {
        const info = await api<Info>('/api/v1/info', { signal });
        store.set({ info, infoAt: Date.now(), infoError: null });
      } catch (err) {
        if (!signal.aborted) store.set({ infoError: errorText(err) });
      }
    },
    10_000,
    [app.token],
  );
  const active = route.page === 'flow' ? 'calls' : route.page;
  return html`<header class="top">
      <a class="brand" href="#/dashboard">sipsentry</a>
      <nav aria-label="Main">
        ${NAV.map(
          (n) => html`<a href=${'#/' + n.page} data-testid=${'nav-' + n.page} class=${n.page === active ? 'active' : ''} aria-current=${n.page === active ? 'page' : undefined}>${n.label}</a>`,
        )}
      </nav>
      <${StatusLine} />
    </header>
    <${CryptoBanner} />
    <main><${Page} route=${route} /></main>`;
}

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
