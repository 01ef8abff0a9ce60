// The API token (sessionStorage), event-type exclusions, the in-browser decryption key (memory
// only) and the masked configuration.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorBox, Json, Notice } from '../components/common.js';
import { loadDecryptor } from '../decrypt.js';
import { usePoll } from '../hooks.js';
import { setToken, store, useApp } from '../state.js';
import { ACTIONS } from '../types.js';

export function Settings(): VNode {
  const app = useApp();
  const [tokenInput, setTokenInput] = useState(app.token);
  const [tokenNote, setTokenNote] = useState<string | null>(null);
  const [exclude, setExclude] = useState<string[] | null>(null);
  const [exError, setExError] = useState<string | null>(null);
  const [exNote, setExNote] = useState<string | null>(null);
  const [config, setConfig] = useState<unknown>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const [key, setKey] = useState('');
  const [keyError, setKeyError] = useState<string | null>(null);
  const [keyBusy, setKeyBusy] = useState(false);
  // Boxes changed but not saved yet: a reload (e.g. after entering the token) keeps them.
  const dirty = useRef(false);

  usePoll(
    async (signal) => {
      const [ex, cfg] = await Promise.allSettled([api<{ exclude: string[] }>('/api/v1/exclusions', { signal }), api<unknown>('/api/v1/config', { signal })]);
      if (signal.aborted) return;
      if (ex.status === 'fulfilled') {
        if (!dirty.current) setExclude(ex.value.exclude);
        setExError(null);
      } else setExError(errorText(ex.reason));
      if (cfg.status === 'fulfilled') {
        setConfig(cfg.value);
        setConfigError(null);
      } else setConfigError(errorText(cfg.reason));
    },
    0,
    [app.token],
  );

  const saveExclusions = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (exclude === null) return;
    setExError(null);
    setExNote(null);
    try {
      const r = await api<{ exclude: string[] }>('/api/v1/exclusions', { method: 'PUT', body: { exclude } });
      setExclude(r.exclude);
      dirty.current = false;
      setExNote(r.exclude.length === 0 ? 'Saved: every event type is written.' : `Saved: ${r.exclude.join(', ')} excluded (still counted).`);
    } catch (err) {
      setExError(errorText(err));
    }
  };

  const useKey = async (e: Event): Promise<void> => {
    e.preventDefault();
    setKeyError(null);
    setKeyBusy(true);
    try {
      const d = await loadDecryptor(key);
      store.set({ decryptor: d });
      setKey('');
    } catch (err) {
      setKeyError(errorText(err));
    } finally {
      setKeyBusy(false);
    }
  };

  const enc = app.info?.encryption ?? null;
  // Action types the server knows but this page does not list still show (and stay as they are).
  const known = [...ACTIONS, ...(exclude ?? []).filter((x) => !(ACTIONS as readonly string[]).includes(x))];

  return html`<section class="page" aria-labelledby="set-h">
    <h1 id="set-h">Settings</h1>

    <div class="panel">
      <h2>API token</h2>
      <p class="muted small">Sent as <code>Authorization: Bearer …</code> with every request; kept in this tab's session storage only.
        ${app.info !== null && (app.info.tokenConfigured ? ' sipsentry has a token configured.' : ' sipsentry has no token configured: changes are refused.')}</p>
      <form class="inline-form" onSubmit=${(e: Event) => {
        e.preventDefault();
        setToken(tokenInput);
        setTokenNote(tokenInput.trim() === '' ? 'Token cleared.' : 'Token saved for this session.');
      }}>
        <label>API token <input type="password" name="token" autocomplete="off" value=${tokenInput} data-testid="token-input" onInput=${(e: Event) => setTokenInput((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" class="primary" data-testid="token-save">Save token</button>
        <button type="button" onClick=${() => {
          setTokenInput('');
          setToken('');
          setTokenNote('Token cleared.');
        }}>Clear</button>
      </form>
      <${Notice} text=${tokenNote} />
      <p class="small" data-testid="token-state">${app.token === '' ? 'No token set.' : 'A token is set.'}</p>
    </div>

    ${enc !== null &&
    html`<div class="panel">
      <h2>Decrypt in this browser</h2>
      <p class="muted small">Events are encrypted with key <code>${enc.keyId}</code> (${enc.groups.join(', ')}${enc.ipMode === 'full' ? ', full addresses' : ''}).
        The key stays in this page's memory: it is never sent anywhere and never stored; reloading the page forgets it.</p>
      ${app.decryptor === null
        ? html`<form class="inline-form" onSubmit=${(e: Event) => void useKey(e)}>
            <label>Key (64 hex digits) <input type="password" name="key" autocomplete="off" spellcheck="false" size="40" value=${key} data-testid="decrypt-key" onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" class="primary" disabled=${keyBusy || key.trim() === ''} data-testid="decrypt-submit">Decrypt in this browser</button>
          </form>`
        : html`<p><span class="badge ok">decrypted locally (key ${app.decryptor.keyId})</span>
            <button type="button" class="small" onClick=${() => store.set({ decryptor: null })}>Forget key</button></p>`}
      <${ErrorBox} error=${keyError} testid="decrypt-error" />
    </div>`}

    <div class="panel">
      <h2>Event-type exclusions</h2>
      <p class="muted small">Excluded types are counted but not written to the outputs.</p>
      <${ErrorBox} error=${exError} testid="exclusions-error" />
      ${exclude !== null &&
      html`<form onSubmit=${(e: Event) => void saveExclusions(e)}>
        <fieldset class="actions">
          <legend>Exclude</legend>
          ${known.map(
            (a) => html`<label class="check"><input type="checkbox" name="exclude" value=${a} checked=${exclude.includes(a)} data-testid=${'exclude-' + a}
              onChange=${(e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                dirty.current = true;
                setExNote(null);
                setExclude(on ? [...exclude.filter((x) => x !== a), a] : exclude.filter((x) => x !== a));
              }} />${a}</label>`,
          )}
        </fieldset>
        <button type="submit" class="primary" data-testid="exclusions-save">Save exclusions</button>
      </form>`}
      <${Notice} text=${exNote} />
    </div>

    <div class="panel">
      <h2>Configuration</h2>
      <p class="muted small">As sipsentry runs it, secrets masked.</p>
      <${ErrorBox} error=${configError} />
      ${config !== null && html`<${Json} value=${config} testid="config-json" />`}
    </div>
  </section>`;
}
