export { createGuard, type Guard } from './guard.js';
export { defaultGuardOptions, defaultRateOptions, resolveGuardOptions, checkEventTypes, type GuardConfig, type GuardOptions, type RateOptions, type RateWindow } from './options.js';
export { rateOf, windowLabel, type RateInfo, type RateState } from './rate-info.js';
export { buildStats, StatsClock, type StatsDocument } from './stats.js';
export { collectMetrics, prometheusText, metricsText, type MetricFamily } from './metrics.js';
export type { Processor } from './processor.js';
