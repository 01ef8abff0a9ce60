// The live tail: Server-Sent Events from /api/v1/events/stream. EventSource cannot send an
// Authorization header, so with a token set the same stream is read through fetch() instead.
import { authHeaders } from './api.js';

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed';

export function openStream(path: string, onDoc: (type: string, data: string) => void, onState: (s: StreamState, detail?: string) => void): () => void {
  const headers = authHeaders();
  if (Object.keys(headers).length === 0 && typeof EventSource !== 'undefined') {
    const es = new EventSource(path);
    onState('connecting');
    const handler = (e: MessageEvent<string>): void => onDoc(e.type, e.data);
    es.addEventListener('event', handler);
    es.addEventListener('alert', handler);
    es.addEventListener('message', handler);
    es.onopen = () => onState('open');
    es.onerror = () => onState(es.readyState === EventSource.CLOSED ? 'closed' : 'retrying');
    return () => es.close();
  }
  return fetchStream(path, headers, onDoc, onState);
}

function fetchStream(path: string, headers: Record<string, string>, onDoc: (type: string, data: string) => void, onState: (s: StreamState, detail?: string) => void): () => void {
  const ctrl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = async (): Promise<void> => {
    onState('connecting');
    try {
      const res = await fetch(path, { headers: { ...headers, accept: 'text/event-stream' }, signal: ctrl.signal, cache: 'no-store' });
      if (!res.ok || res.body === null) {
        let msg = res.statusText;
        try {
          const j = (await res.json()) as { error?: string };
          if (typeof j.error === 'string') msg = j.error;
        } catch {
          // not JSON
        }
        throw new Error(`${res.status}: ${msg}`);
      }
      onState('open');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut: RegExpExecArray | null;
        while ((cut = /\r?\n\r?\n/.exec(buf)) !== null) {
          const block = buf.slice(0, cut.index);
          buf = buf.slice(cut.index + cut[0].length);
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'event') type = v;
            else if (field === 'data') data.push(v);
          }
          if (data.length > 0) onDoc(type, data.join('\n'));
        }
      }
      if (!ctrl.signal.aborted) {
        onState('retrying', 'stream ended');
        timer = setTimeout(() => void run(), 3000);
      }
    } catch (err) {
      if (ctrl.signal.aborted) return;
      onState('retrying', (err as Error).message);
      timer = setTimeout(() => void run(), 3000);
    }
  };
  void run();
  return () => {
    ctrl.abort();
    if (timer !== null) clearTimeout(timer);
    onState('closed');
  };
}
