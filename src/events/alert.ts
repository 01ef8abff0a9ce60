import { ECS_VERSION } from './ecs-event.js';
import { isoFromUs } from './time.js';

/**
 * A detection: the guard's detectors state it, the events stage gives it its ECS shape. Like a
 * TrackEvent it is a plain fact with owned strings; privacy may rewrite its sensitive fields.
 */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** What the detector suggests an operator (or the blocklist) does about the source. */
export type SuggestedAction = 'block' | 'review' | 'monitor';

/** Detector families; also `rule.category`. */
export type AlertCategory = 'scanner' | 'enumeration' | 'password-guessing' | 'flood' | 'toll-fraud' | 'honeypot';

export class Alert {
  /** Packet time of the message that crossed the threshold (µs). */
  tsUs: number;
  /** First and last message of the evidence (µs). */
  firstUs: number;
  lastUs: number;
  /** Offending source; null for global rules (registration storm). */
  sourceIp: string | null = null;
  sourcePort: number | null = null;
  /** Server the source talked to (last one seen). */
  serverIp: string | null = null;
  /** Targeted or acting user (digest username, AoR user, caller). */
  user: string | null = null;
  /** Dialled number or other target (toll fraud). */
  target: string | null = null;
  userAgent: string | null = null;
  /** Evidence: messages or events counted by the rule within its window. */
  count = 0;
  /** Rule-specific numbers and short strings (distinct users, failure ratio, window seconds, …). */
  evidence: Record<string, number | string | boolean> = {};
  /** 1 for the first alert of this (rule, key); later ones are re-alerts with fresh evidence. */
  occurrence = 1;
  /** Set by field encryption: key id scheme; null in plaintext. */
  keyId: string | null = null;

  constructor(
    /** Stable id, e.g. `sipsentry.scanner.user-agent`. */
    readonly ruleId: string,
    /** Short name, e.g. `scanner-user-agent`; `event.action` of the document. */
    readonly ruleName: string,
    readonly category: AlertCategory,
    readonly severity: Severity,
    readonly action: SuggestedAction,
    /** One sentence for humans; never quotes message content (privacy). */
    readonly description: string,
    tsUs: number,
  ) {
    this.tsUs = tsUs;
    this.firstUs = tsUs;
    this.lastUs = tsUs;
  }
}

/** ECS `event.severity` per level (the numbers Elastic's detection rules use for the same words). */
export const SEVERITY_SCORE: Readonly<Record<Severity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

interface Technique {
  tactic: { id: string; name: string };
  technique: { id: string; name: string };
}

/** MITRE ATT&CK mapping per family, so SIEM rules written for ATT&CK pick the alerts up. */
export const THREAT: Readonly<Record<AlertCategory, Technique>> = {
  scanner: { tactic: { id: 'TA0043', name: 'Reconnaissance' }, technique: { id: 'T1595', name: 'Active Scanning' } },
  honeypot: { tactic: { id: 'TA0043', name: 'Reconnaissance' }, technique: { id: 'T1595', name: 'Active Scanning' } },
  enumeration: { tactic: { id: 'TA0007', name: 'Discovery' }, technique: { id: 'T1087', name: 'Account Discovery' } },
  'password-guessing': { tactic: { id: 'TA0006', name: 'Credential Access' }, technique: { id: 'T1110.001', name: 'Password Guessing' } },
  flood: { tactic: { id: 'TA0040', name: 'Impact' }, technique: { id: 'T1499', name: 'Endpoint Denial of Service' } },
  'toll-fraud': { tactic: { id: 'TA0040', name: 'Impact' }, technique: { id: 'T1496', name: 'Resource Hijacking' } },
};

/** The ECS document of an alert (`event.kind: alert`); only known values are written. */
export function alertToEcs(a: Alert, allowlisted = false): Record<string, unknown> {
  const t = THREAT[a.category];
  const event: Record<string, unknown> = {
    kind: 'alert',
    action: a.ruleName,
    category: ['intrusion_detection', 'network'],
    type: ['indicator'],
    severity: SEVERITY_SCORE[a.severity],
    start: isoFromUs(a.firstUs),
    end: isoFromUs(a.lastUs),
  };
  const doc: Record<string, unknown> = {
    '@timestamp': isoFromUs(a.tsUs),
    ecs: { version: ECS_VERSION },
    event,
    rule: { id: a.ruleId, name: a.ruleName, category: a.category, description: a.description, ruleset: 'sipsentry' },
    threat: { framework: 'MITRE ATT&CK', tactic: { ...t.tactic }, technique: { ...t.technique } },
    network: { protocol: 'sip' },
  };
  const related: string[] = [];
  if (a.sourceIp !== null) {
    doc.source = a.sourcePort !== null ? { ip: a.sourceIp, port: a.sourcePort } : { ip: a.sourceIp };
    related.push(a.sourceIp);
  }
  if (a.serverIp !== null) {
    doc.destination = { ip: a.serverIp };
    if (a.serverIp !== a.sourceIp) related.push(a.serverIp);
  }
  if (related.length > 0) doc.related = { ip: related };
  if (a.user !== null) doc.user = { name: a.user };
  if (a.userAgent !== null) doc.user_agent = { original: a.userAgent };
  const alert: Record<string, unknown> = {
    severity: a.severity,
    suggested_action: allowlisted ? 'monitor' : a.action,
    count: a.count,
    occurrence: a.occurrence,
  };
  if (a.target !== null) alert.target = a.target;
  if (allowlisted) alert.allowlisted = true;
  if (Object.keys(a.evidence).length > 0) alert.evidence = { ...a.evidence };
  const sip: Record<string, unknown> = { alert };
  if (a.keyId !== null) sip.key_id = a.keyId;
  doc.sip = sip;
  return doc;
}
