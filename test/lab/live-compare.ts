import { readFileSync } from 'node:fs';
import { readCapture } from '../../src/capture/read-capture.js';
import { eventsFromNdjson } from '../helpers/ecs-to-track.js';
import { compareWithTruth, type TruthEvent } from './truth-match.js';

/** Compares the events a probe wrote (NDJSON) with a lab run's truth; time zero is the capture's first packet. */
export async function compareNdjsonWithTruth(ndjsonFile: string, pcap: string, truthFile: string): Promise<string[]> {
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { events: TruthEvent[] };
  let t0 = -1;
  await readCapture(pcap, (f) => {
    if (t0 < 0) t0 = f.tsUs;
  });
  return compareWithTruth(truth.events, eventsFromNdjson(readFileSync(ndjsonFile, 'utf8')), t0);
}
