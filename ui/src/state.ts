// The page's shared state: the API token (sessionStorage), the probe's /api/v1/info, and the
// in-browser decryptor (memory only: never stored, never sent).
import { useEffect, useState } from 'preact/hooks';
import type { BrowserDecryptor, Info } from './types.js';

export interface AppState {
  token: string;
  info: Info | null;
  infoError: string | null;
  /** Date.now() when info was fetched: the probe clock advances from there when live. */
  infoAt: number;
  decryptor: BrowserDecryptor | null;
}

const TOKEN_KEY = 'sipsentry.apiToken';

function readToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

type Listener = () => void;

class Store {
  private state: AppState = { token: readToken(), info: null, infoError: null, infoAt: 0, decryptor: null };
  private readonly listeners = new Set<Listener>();

  get(): AppState {
    return this.state;
  }

  set(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export const store = new Store();

export function setToken(token: string): void {
  const t = token.trim();
  try {
    if (t === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, t);
  } catch {
    // storage refused (privacy mode): the token still lives for this page
  }
  store.set({ token: t });
}

/** Re-renders the component whenever the shared state changes. */
export function useApp(): AppState {
  const [, bump] = useState(0);
  useEffect(() => store.subscribe(() => bump((n) => n + 1)), []);
  return store.get();
}

/** The probe's clock now, in ms: it advances with the wall clock only when live. */
export function probeNow(s: AppState = store.get()): number {
  if (s.info === null) return Date.now();
  return s.info.live ? s.info.nowMs + (Date.now() - s.infoAt) : s.info.nowMs;
}
