import { LogThrottle } from './log-throttle.js';
import type { OutputContext } from './output.js';
import type { OutputRecord } from '../events/record.js';

/**
 * Records a destination will never accept (mapping errors, invalid data, too large): counted as
 * `output.<name>.rejected` and logged, at most one line per interval however many there are.
 */
export class Rejections {
  private readonly throttle: LogThrottle;

  constructor(
    private readonly name: string,
    private readonly ctx: OutputContext,
  ) {
    this.throttle = new LogThrottle(ctx.log);
  }

  reject(record: OutputRecord, reason: string): void {
    this.ctx.counters.inc(`output.${this.name}.rejected`);
    this.throttle.warn('rejected', { output: this.name, id: record.id, action: record.action, reason }, 'record rejected by the destination; it will not be retried');
  }
}
