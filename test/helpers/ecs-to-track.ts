import { TrackEvent, type EventAction, type Originator } from '../../src/track/track-event.js';

type Doc = Record<string, any>;

/** Reads an emitted ECS event back into the tracker's fact shape, so stored output can be compared with a lab truth. */
export function trackEventFromEcs(d: Doc): TrackEvent {
  const e = new TrackEvent(d.event.action as EventAction, Date.parse(d['@timestamp']) * 1000);
  const us = (s: string | undefined): number | null => (s === undefined ? null : Date.parse(s) * 1000);
  e.startUs = us(d.event.start);
  e.endUs = us(d.event.end);
  e.client = d.client ? { ip: d.client.ip, port: d.client.port } : null;
  e.server = d.server ? { ip: d.server.ip, port: d.server.port } : null;
  const sip = d.sip ?? {};
  e.callId = sip.call_id ?? null;
  e.from = sip.from ?? null;
  e.to = sip.to ?? null;
  e.contact = sip.contact ?? null;
  e.method = sip.request?.method ?? null;
  e.status = sip.response?.status ?? null;
  e.originator = (sip.originator as Originator | undefined) ?? null;
  e.timeout = sip.timeout === true;
  e.user = d.user?.name ?? null;
  return e;
}

/** The events (not stats or alerts) of an NDJSON text. */
export function eventsFromNdjson(text: string): TrackEvent[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Doc).filter((d) => d.event?.kind === 'event').map(trackEventFromEcs);
}
