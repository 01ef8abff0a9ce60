import type { z } from 'zod';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import type { OutputRecord } from '../events/record.js';

/** What every output gets from the process that runs it. */
export interface OutputContext {
  counters: Counters;
  log: Log;
}

/**
 * A destination for documents. Outputs never see packets or tracker state, only finished records,
 * and they are always driven by a Delivery (spool + retry), never called from the packet path.
 */
export interface Output {
  /** Instance name used in counters and logs (`output.<name>.*`), e.g. `sqlite` or `postgres`. */
  readonly name: string;
  /** Connects, creates tables/templates/migrations. Rejects on failure; the delivery retries with back-off. */
  open(): Promise<void>;
  /**
   * Delivers one batch, in order. Resolves once the destination holds every record durably, or has
   * definitively rejected some that can never be accepted (those are counted as
   * `output.<name>.rejected` and logged). Rejects on a transient failure: the delivery keeps the
   * batch and sends it again after a back-off; the records' ids make such retries idempotent.
   */
  write(batch: readonly OutputRecord[]): Promise<void>;
  /** Releases connections and files. Called after the last write has settled. */
  close(): Promise<void>;
}

/**
 * One kind of output, as the configuration and `--output KIND[:TARGET]` know it.
 * `schema` validates the options block (strict: unknown keys are errors; every key has a default
 * where one makes sense); `fromTarget` turns the TARGET of the command-line shorthand into options.
 */
export interface OutputKind<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly schema: S;
  fromTarget(target: string | undefined): Record<string, unknown>;
  create(options: z.output<S>, ctx: OutputContext): Output;
}
