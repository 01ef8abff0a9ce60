import type { AlertCategory, Severity, SuggestedAction } from '../../events/alert.js';

/** A detection rule's identity and its default weight; docs/detection.md describes each. */
export interface RuleDef {
  id: string;
  name: string;
  category: AlertCategory;
  severity: Severity;
  action: SuggestedAction;
  description: string;
}

const rule = (category: AlertCategory, name: string, severity: Severity, action: SuggestedAction, description: string): RuleDef => ({
  id: `sipsentry.${category}.${name}`,
  name,
  category,
  severity,
  action,
  description,
});

export const RULES = {
  scannerUserAgent: rule('scanner', 'scanner-user-agent', 'high', 'block', 'Requests carry the User-Agent or From display name of a known SIP attack tool.'),
  scannerFingerprint: rule('scanner', 'scanner-fingerprint', 'high', 'block', 'Requests are built like SIPVicious-family tools build them (From tag, Call-ID, Via branch, From URI), whatever their User-Agent.'),
  scannerSweep: rule('scanner', 'scanner-sweep', 'medium', 'block', 'One source sends out-of-dialog requests to many different SIP servers.'),
  enumeration: rule('enumeration', 'extension-enumeration', 'high', 'block', 'One source probes many different users without credentials and almost never succeeds (404 versus 401/200 split).'),
  guessingSource: rule('password-guessing', 'auth-guessing-source', 'high', 'block', 'One source keeps failing digest authentication.'),
  guessingDistributed: rule('password-guessing', 'auth-guessing-distributed', 'high', 'review', 'Digest authentication for one user keeps failing from several sources.'),
  guessingSuccess: rule('password-guessing', 'auth-success-after-guessing', 'critical', 'block', 'A source that kept failing authentication has now registered or called: the password is likely cracked.'),
  floodInvite: rule('flood', 'flood-invite', 'high', 'block', 'One source sends INVITE requests faster than the flood threshold.'),
  floodRegister: rule('flood', 'flood-register', 'high', 'block', 'One source sends REGISTER requests faster than the flood threshold.'),
  floodOptions: rule('flood', 'flood-options', 'high', 'block', 'One source sends OPTIONS requests faster than the flood threshold.'),
  floodAny: rule('flood', 'flood-requests', 'high', 'block', 'One source sends SIP requests faster than the flood threshold.'),
  registrationStorm: rule('flood', 'registration-storm', 'medium', 'review', 'REGISTER requests across all sources far above their usual rate.'),
  inviteSurge: rule('flood', 'invite-surge', 'medium', 'review', 'INVITE requests across all sources far above their usual rate.'),
  fraudInternational: rule('toll-fraud', 'fraud-international-call', 'low', 'monitor', 'Calls are attempted to international destinations.'),
  fraudHighRisk: rule('toll-fraud', 'fraud-high-risk-destination', 'high', 'review', 'Calls are attempted to a destination listed as high risk for revenue-share fraud.'),
  fraudPremium: rule('toll-fraud', 'fraud-premium-destination', 'high', 'review', 'Calls are attempted to premium-rate numbers.'),
  fraudPrefixIteration: rule('toll-fraud', 'fraud-prefix-iteration', 'high', 'block', 'One source dials the same number behind several different dial-out prefixes, looking for a way out.'),
  fraudSequential: rule('toll-fraud', 'fraud-sequential-dialling', 'medium', 'review', 'One source dials consecutive numbers.'),
  fraudParallelSource: rule('toll-fraud', 'fraud-parallel-calls-source', 'high', 'review', 'One source address has more established calls at once than the limit.'),
  fraudParallelUser: rule('toll-fraud', 'fraud-parallel-calls-user', 'high', 'review', 'One user has more established calls at once than the limit.'),
  fraudUnregistered: rule('toll-fraud', 'fraud-unregistered-caller', 'low', 'monitor', 'Calls come from an address and user never seen registering.'),
  honeypotContact: rule('honeypot', 'honeypot-contact', 'high', 'block', 'A source sent SIP to the honeypot, an address no legitimate peer is told about.'),
  fraudGeoChange: rule('toll-fraud', 'fraud-geo-change', 'high', 'review', "A user's source country or network changed."),
} as const satisfies Record<string, RuleDef>;
