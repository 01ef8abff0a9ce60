import { pino } from 'pino';
import type { Log } from '../../src/base/log.js';

/** A logger keeping its lines as parsed objects, for tests that read what was logged. */
export function memoryLog(level = 'info'): { log: Log; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}
