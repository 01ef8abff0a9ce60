/**
 * Which over-limit occurrences of an episode are emitted: the 1st, then `first`, and from there the
 * gap doubles (100, 200, 400, …) but never exceeds `maxInterval` (…, 6400, 12800, 22800, 32800 with
 * the defaults). The output of a flood then grows with the logarithm of its size until the gap is
 * capped, and linearly with a small slope after: a flood of N costs about 8 + N / 10,000 events.
 */
export function nextReport(n: number, first: number, maxInterval: number): number {
  if (n < 1) return 1;
  if (n < first) return first;
  return Math.min(2 * n, n + maxInterval);
}

/** How many of the first `n` over-limit occurrences are emitted (the back-off bound of an episode). */
export function reportsWithin(n: number, first: number, maxInterval: number): number {
  let count = 0;
  for (let k = 1; k <= n; k = nextReport(k, first, maxInterval)) count++;
  return count;
}
