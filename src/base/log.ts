import { pino, destination, type Logger } from 'pino';

/** Structured logs (pino) go to stderr so standard output stays free for events. */
export type Log = Logger;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLog(level: LogLevel = 'info', fd: number = 2): Log {
  return pino({ level, base: { name: 'sipsentry' } }, destination({ dest: fd, sync: true }));
}

/** A logger that drops everything (tests, library use). */
export function silentLog(): Log {
  return pino({ level: 'silent' });
}
