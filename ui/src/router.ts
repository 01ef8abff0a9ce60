// Hash routing: #/dashboard, #/events?action=…, #/calls, #/flow/<url-encoded Call-ID>,
// #/attackers, #/settings.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  /** The rest of the path after the page, URL-decoded (the Call-ID of #/flow/…). */
  arg: string;
  query: URLSearchParams;
  /** The raw query string (stable key for effects). */
  search: string;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.slice(0, q);
  const search = q < 0 ? '' : h.slice(q + 1);
  const slash = path.indexOf('/');
  const page = (slash < 0 ? path : path.slice(0, slash)) || 'dashboard';
  let arg = slash < 0 ? '' : path.slice(slash + 1);
  try {
    arg = decodeURIComponent(arg);
  } catch {
    // keep it as written
  }
  return { page, arg, query: new URLSearchParams(search), search };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function flowHref(callId: string): string {
  return '#/flow/' + encodeURIComponent(callId);
}

export function eventsHref(params: Record<string, string>): string {
  const p = new URLSearchParams(params).toString();
  return '#/events' + (p === '' ? '' : '?' + p);
}

export function navigate(href: string): void {
  if (location.hash !== href) location.hash = href;
}
