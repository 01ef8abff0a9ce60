// Polling with a fresh AbortSignal per round; no overlapping rounds; stops on unmount.
import { useEffect, useRef } from 'preact/hooks';
import { isAbort } from './api.js';

/**
 * Runs `load` now and then every `everyMs` (0 = once) until unmounted or `deps` change. Returns a
 * function that runs it again at once (after a change the user made).
 */
export function usePoll(load: (signal: AbortSignal) => Promise<void>, everyMs: number, deps: unknown[]): () => void {
  const again = useRef<() => void>(() => {});
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let ctrl: AbortController | null = null;
    let running = false;
    let pending = false;
    const round = async (): Promise<void> => {
      if (stopped) return;
      if (running) {
        pending = true;
        return;
      }
      running = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      ctrl = new AbortController();
      try {
        await latest.current(ctrl.signal);
      } catch (err) {
        if (!isAbort(err)) console.error(err);
      }
      running = false;
      if (stopped) return;
      if (pending) {
        pending = false;
        void round();
      } else if (everyMs > 0) timer = setTimeout(() => void round(), everyMs);
    };
    again.current = () => void round();
    void round();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      ctrl?.abort();
    };
  }, deps);
  return () => again.current();
}
