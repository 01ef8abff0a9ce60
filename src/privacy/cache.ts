export { RecentCache } from '../base/recent-cache.js';

/**
 * Entries per generation (a cache holds up to twice this many). Sized for tens of thousands of
 * distinct users, contacts and addresses, so a registration's value is still cached when the
 * refresh or the expiry comes; each kind of value has its own cache. Values repeat (the same
 * users, hosts and addresses event after event), so most encryptions end in a cache.
 */
export const DEFAULT_CACHE_SIZE = 65536;
