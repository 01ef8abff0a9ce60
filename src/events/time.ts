/** ISO 8601 with milliseconds (ECS `date`) from packet time in µs. */
export function isoFromUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/** `1s`, `1m`, `1h`, or seconds (`90s`) when the window is not a whole unit. */
export function windowLabel(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
