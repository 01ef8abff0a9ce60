/**
 * Every field an event document may carry: the single source for docs/events.md, the
 * Elasticsearch/OpenSearch index template and the ECS conformance test.
 * `ecs: true` fields must exist in ECS with the same type; the others are sipsentry's `sip.*` extension.
 */
export interface FieldDef {
  name: string;
  type: 'date' | 'keyword' | 'long' | 'ip' | 'boolean' | 'match_only_text' | 'wildcard' | 'text' | 'object';
  ecs: boolean;
  description: string;
}

export const FIELDS: readonly FieldDef[] = [
  { name: '@timestamp', type: 'date', ecs: true, description: 'Packet time of the message that decided the event, or the due time of the timer that did (timeouts, expiries). ms precision.' },
  { name: 'ecs.version', type: 'keyword', ecs: true, description: 'ECS version the document follows.' },
  { name: 'event.kind', type: 'keyword', ecs: true, description: '`event` for the twelve event types, `alert` for detections (docs/detection.md), `metric` for stats documents.' },
  { name: 'event.action', type: 'keyword', ecs: true, description: 'The event type: call-attempt, call-start, call-end, reg-new, reg-del, reg-expired, auth-failed, other-ok, other-failed, other-timeout, parse-error, msg-probe.' },
  { name: 'event.category', type: 'keyword', ecs: true, description: 'ECS category (network, session, authentication), see the table per type.' },
  { name: 'event.type', type: 'keyword', ecs: true, description: 'ECS type (start, end, info, protocol).' },
  { name: 'event.outcome', type: 'keyword', ecs: true, description: 'success, failure or unknown.' },
  { name: 'event.start', type: 'date', ecs: true, description: 'Call start (first 2xx) for call events; first registration for reg-del/reg-expired.' },
  { name: 'event.end', type: 'date', ecs: true, description: 'BYE time (call-end), unregistration or expiry time (reg-del, reg-expired).' },
  { name: 'event.duration', type: 'long', ecs: true, description: 'end − start in nanoseconds (ECS unit); only when both are known.' },
  { name: 'client.ip', type: 'ip', ecs: true, description: 'UAC of the creating transaction (the original caller or registering UA); packet source for parse-error/msg-probe.' },
  { name: 'client.port', type: 'long', ecs: true, description: 'Port of client.ip.' },
  { name: 'server.ip', type: 'ip', ecs: true, description: 'Where the creating request was sent (first hop seen).' },
  { name: 'server.port', type: 'long', ecs: true, description: 'Port of server.ip.' },
  { name: 'network.transport', type: 'keyword', ecs: true, description: 'udp, tcp, sctp or ws (SIP over WebSocket).' },
  { name: 'network.protocol', type: 'keyword', ecs: true, description: 'Always `sip`.' },
  { name: 'network.bytes', type: 'long', ecs: true, description: 'msg-probe: length of the non-SIP payload.' },
  { name: 'user_agent.original', type: 'keyword', ecs: true, description: 'User-Agent of the UAC request.' },
  { name: 'user.name', type: 'keyword', ecs: true, description: 'Digest username when credentials were sent, else the user part of the From URI (calls, other-*) or of the AoR (registrations).' },
  { name: 'error.code', type: 'keyword', ecs: true, description: 'parse-error: stable code such as sip.bad_start_line or sip.bad_content_length.' },
  { name: 'error.message', type: 'match_only_text', ecs: true, description: 'parse-error: human-readable reason.' },
  { name: 'event.severity', type: 'long', ecs: true, description: 'Alerts: 21 low, 47 medium, 73 high, 99 critical.' },
  { name: 'rule.id', type: 'keyword', ecs: true, description: 'Alerts: stable rule id, e.g. `sipsentry.password-guessing.auth-guessing-source`.' },
  { name: 'rule.name', type: 'keyword', ecs: true, description: 'Alerts: rule name (also `event.action`), e.g. `extension-enumeration`.' },
  { name: 'rule.category', type: 'keyword', ecs: true, description: 'Alerts: scanner, enumeration, password-guessing, flood, toll-fraud or honeypot.' },
  { name: 'rule.description', type: 'keyword', ecs: true, description: 'Alerts: what the rule detects, in one sentence.' },
  { name: 'rule.ruleset', type: 'keyword', ecs: true, description: 'Alerts: always `sipsentry`.' },
  { name: 'threat.framework', type: 'keyword', ecs: true, description: 'Alerts: `MITRE ATT&CK`.' },
  { name: 'threat.tactic.id', type: 'keyword', ecs: true, description: 'Alerts: ATT&CK tactic of the rule family, e.g. TA0006.' },
  { name: 'threat.tactic.name', type: 'keyword', ecs: true, description: 'Alerts: ATT&CK tactic name, e.g. Credential Access.' },
  { name: 'threat.technique.id', type: 'keyword', ecs: true, description: 'Alerts: ATT&CK technique, e.g. T1110.001.' },
  { name: 'threat.technique.name', type: 'keyword', ecs: true, description: 'Alerts: ATT&CK technique name, e.g. Password Guessing.' },
  { name: 'source.ip', type: 'ip', ecs: true, description: 'Alerts: the offending source address.' },
  { name: 'source.port', type: 'long', ecs: true, description: 'Alerts: its port (last seen).' },
  { name: 'destination.ip', type: 'ip', ecs: true, description: 'Alerts: the SIP server the source talked to (last seen).' },
  { name: 'related.ip', type: 'ip', ecs: true, description: 'Alerts: source and destination addresses.' },
  { name: 'sip.call_id', type: 'keyword', ecs: false, description: 'Call-ID.' },
  { name: 'sip.from', type: 'keyword', ecs: false, description: 'From URI of the creating request (the caller or registering identity).' },
  { name: 'sip.to', type: 'keyword', ecs: false, description: 'To URI (the callee; the AoR for registrations).' },
  { name: 'sip.from_tag', type: 'keyword', ecs: false, description: 'From tag of the dialog creator.' },
  { name: 'sip.to_tag', type: 'keyword', ecs: false, description: 'To tag of the answering side (the dialog’s, for calls).' },
  { name: 'sip.request.method', type: 'keyword', ecs: false, description: 'Method of the creating request (INVITE for call events, REGISTER for reg-*).' },
  { name: 'sip.request.uri', type: 'keyword', ecs: false, description: 'Request-URI of the creating request.' },
  { name: 'sip.response.status', type: 'long', ecs: false, description: 'Final status deciding the event (408 for timeouts, with sip.timeout).' },
  { name: 'sip.response.reason', type: 'keyword', ecs: false, description: 'Reason phrase of that status.' },
  { name: 'sip.contact', type: 'keyword', ecs: false, description: 'Caller Contact (calls); the binding’s contact URI (reg-*), `*` for a wildcard unregistration.' },
  { name: 'sip.expires', type: 'long', ecs: false, description: 'reg-new: granted expiry in seconds (the 2xx value when the registrar states one).' },
  { name: 'sip.server_agent', type: 'keyword', ecs: false, description: 'Server or User-Agent header of the UAS replies.' },
  { name: 'sip.pai', type: 'keyword', ecs: false, description: 'First P-Asserted-Identity URI of the creating request.' },
  { name: 'sip.auth_realm', type: 'keyword', ecs: false, description: 'Digest realm of the credentials (auth-failed, and other events with credentials).' },
  { name: 'sip.pdd_ms', type: 'long', ecs: false, description: 'Post-dial delay: first INVITE of the call to the first 18x (or the final reply), ms.' },
  { name: 'sip.ring_ms', type: 'long', ecs: false, description: 'First 18x to the final reply, ms.' },
  { name: 'sip.originator', type: 'keyword', ecs: false, description: 'call-end: caller, callee or timeout.' },
  { name: 'sip.timeout', type: 'boolean', ecs: false, description: 'true when no final reply came (status 408 stated by the probe).' },
  { name: 'sip.cancelled', type: 'boolean', ecs: false, description: 'true when the caller sent CANCEL.' },
  { name: 'sip.partial', type: 'boolean', ecs: false, description: 'true when the probe did not see the start (request missed, joined mid-call); unknown fields are left out.' },
  { name: 'sip.error_offset', type: 'long', ecs: false, description: 'parse-error: byte offset of the error in the message.' },
  { name: 'sip.payload_prefix', type: 'keyword', ecs: false, description: 'msg-probe: first 16 bytes of the payload, hex.' },
  { name: 'sip.msg_trace', type: 'keyword', ecs: false, description: 'Compact trace, `>` from the creator, `<` towards it, `{n}` retransmissions, e.g. `>INVITE <407 >ACK >INVITE <100 <180 <200 >ACK >BYE`.' },
  { name: 'sip.encap', type: 'keyword', ecs: false, description: 'Layers peeled to reach the SIP message, e.g. eth/vlan/ipv4/udp or eth/ipv4/udp/hep3.' },
  { name: 'sip.key_id', type: 'keyword', ecs: false, description: 'Set when fields are encrypted (docs/privacy.md): `<key id>/<groups>`, e.g. `3f9a1c0b/ips,uris,call_id,user,user_agent` (`,ip-full` when addresses use the non-prefix-preserving mode); absent on plaintext events.' },
  { name: 'sip.rate.state', type: 'keyword', ecs: false, description: 'Rate limiting (docs/lean.md): `exceeded` on an emitted over-limit occurrence; `calm`, `evicted` or `end` on the summary closing an episode.' },
  { name: 'sip.rate.exceeded', type: 'long', ecs: false, description: 'Over-limit occurrences of this (type, client IP) key in the episode so far, this one included.' },
  { name: 'sip.rate.suppressed', type: 'long', ecs: false, description: 'Occurrences suppressed since the previous document of this episode.' },
  { name: 'sip.rate.suppressed_total', type: 'long', ecs: false, description: 'Occurrences suppressed in the episode so far (on a summary: in total).' },
  { name: 'sip.rate.current', type: 'long', ecs: false, description: 'Decayed count in the reported window at the document’s time (the window furthest over its limit).' },
  { name: 'sip.rate.limit', type: 'long', ecs: false, description: 'The limit of that window.' },
  { name: 'sip.rate.window', type: 'keyword', ecs: false, description: 'That window: 1s, 1m, 1h (or e.g. 90s).' },
  { name: 'sip.rate.since', type: 'date', ecs: false, description: 'Packet time of the episode’s first over-limit occurrence.' },
  { name: 'sip.alert.severity', type: 'keyword', ecs: false, description: 'Alerts: low, medium, high or critical.' },
  { name: 'sip.alert.suggested_action', type: 'keyword', ecs: false, description: 'Alerts: block (listed in the blocklist), review or monitor (always monitor for allowlisted sources).' },
  { name: 'sip.alert.count', type: 'long', ecs: false, description: 'Alerts: evidence count of the rule (failures, distinct users, requests in the window, …).' },
  { name: 'sip.alert.occurrence', type: 'long', ecs: false, description: 'Alerts: 1 for the first alert of this rule and key; re-alerts (evidence doubled, or after `detect.realert`) count up.' },
  { name: 'sip.alert.target', type: 'keyword', ecs: false, description: 'Alerts: dialled number (toll-fraud rules).' },
  { name: 'sip.alert.allowlisted', type: 'boolean', ecs: false, description: 'Alerts: true when the allowlist covers the source or user: nothing is blocked.' },
  { name: 'sip.alert.evidence', type: 'object', ecs: false, description: 'Alerts: rule-specific numbers (users, failures, successes, window_s, rate, limit, …); stored, not indexed.' },
];

/** Elasticsearch/OpenSearch composable index template (mappings) built from FIELDS. */
export function indexTemplate(indexPattern = 'sipsentry-*'): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const parts = f.name.split('.');
    let node = properties;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = (node[p] ??= { properties: {} }) as { properties: Record<string, unknown> };
      node = next.properties;
    }
    // `object` fields are kept in _source but not indexed (free-form evidence).
    const leaf: Record<string, unknown> = f.type === 'object' ? { type: 'object', enabled: false } : { type: f.type };
    if (f.type === 'keyword') leaf.ignore_above = 1024;
    node[parts[parts.length - 1]!] = leaf;
  }
  return {
    index_patterns: [indexPattern],
    priority: 200,
    template: {
      settings: { number_of_shards: 1 },
      mappings: { dynamic: false, date_detection: false, properties },
    },
    _meta: { description: 'sipsentry events (ECS + sip.*)', generated_from: 'src/events/fields.ts' },
  };
}
