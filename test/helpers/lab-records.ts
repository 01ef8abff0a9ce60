import { Counters } from '../../src/base/counters.js';
import { eventToJson } from '../../src/events/ndjson.js';
import { createGuard } from '../../src/guard/guard.js';
import { recordFromEvent, type OutputRecord } from '../../src/events/record.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import type { TrackEvent } from '../../src/track/track-event.js';

/** The records `sipsentry replay` writes for these captures (events only, no stats), in order. */
export async function replayRecords(files: string[]): Promise<OutputRecord[]> {
  const counters = new Counters();
  const guard = createGuard({ statsInterval: 0 }, counters);
  const out: OutputRecord[] = [];
  const keep = (e: TrackEvent): void => {
    out.push(recordFromEvent(e, eventToJson(e)));
  };
  let now = 0;
  await replayFiles(files, defaultReplayOptions, (e) => {
    const kept = guard.run(e);
    if (kept !== null) keep(kept);
  }, counters, {
    onTracker: (t) => {
      now = t.nowUs;
    },
    onTick: (t) => {
      now = t;
      for (const s of guard.tick(t)) keep(s);
    },
  });
  for (const s of guard.finish(now)) keep(s);
  return out;
}
