import { elasticsearchOutput } from '../outputs/elastic.js';
import { ndjsonOutput } from '../outputs/ndjson-file.js';
import { opensearchOutput } from '../outputs/opensearch.js';
import type { OutputKind } from '../outputs/output.js';
import { postgresOutput } from '../outputs/postgres.js';
import { sqliteOutput } from '../outputs/sqlite.js';
import { syslogOutput } from '../outputs/syslog.js';

/** Every output kind, by the name the configuration and `--output KIND[:TARGET]` use. */
export const OUTPUT_KINDS: ReadonlyMap<string, OutputKind> = new Map(
  ([ndjsonOutput, sqliteOutput, postgresOutput, syslogOutput, elasticsearchOutput, opensearchOutput] as OutputKind[]).map((k) => [k.kind, k]),
);

/** `ndjson:-`, `sqlite:/var/lib/sipsentry/events.db`, `postgres:postgres://…`: kind and its options. */
export function parseOutputFlag(flag: string): { kind: OutputKind; options: Record<string, unknown> } | string {
  const colon = flag.indexOf(':');
  const name = colon < 0 ? flag : flag.slice(0, colon);
  const kind = OUTPUT_KINDS.get(name);
  if (kind === undefined) return `unknown output kind "${name}" (kinds: ${[...OUTPUT_KINDS.keys()].join(', ')})`;
  return { kind, options: kind.fromTarget(colon < 0 ? undefined : flag.slice(colon + 1)) };
}
