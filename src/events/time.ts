/** ISO 8601 with milliseconds (ECS `date`) from packet time in µs. */
export function isoFromUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
