import { z } from 'zod';
import { duration } from '../../config/units.js';
import { normaliseCidr } from './cidr.js';

/** The library default; the CLI chooses the real default location. */
export const DEFAULT_BLOCKLIST_PATH = 'sipsentry-blocklist.db';

/** APIBAN lists an address for 7 days after its last sighting; firewall clients flush on that cycle. */
export const DEFAULT_BLOCK_TTL_S = 7 * 86_400;

const cidrText = z.string().transform((v, ctx) => {
  try {
    return normaliseCidr(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const blocklistSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** SQLite file; `:memory:` keeps the list for this run only. */
  path: z.string().min(1).default(DEFAULT_BLOCKLIST_PATH),
  /** Seconds an address stays listed after its last sighting. */
  ttl: duration().pipe(z.number().min(1)).default(DEFAULT_BLOCK_TTL_S),
  /** Most addresses listed; a new address beyond it is refused (counted `guard.blocklist.full`). */
  maxEntries: z.number().int().min(1).default(1_000_000),
  /** Addresses and CIDRs never listed (own trunks, carriers, monitoring). */
  allow: z.array(cidrText).default([]),
  /** User names that user-keyed rules never treat as attacked or attacking. */
  allowUsers: z.array(z.string().min(1)).default([]),
});
export type BlocklistOptions = z.output<typeof blocklistSchema>;
