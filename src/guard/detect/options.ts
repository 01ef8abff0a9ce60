import { z } from 'zod';
import { duration } from '../../config/units.js';
import { DEFAULT_USER_AGENT_SIGNATURES } from './user-agents.js';

const count = z.number().int().min(1);
const ratio = z.number().min(0).max(1);

/** "`count` within `window` seconds" */
const threshold = (c: number, w: number) => z.strictObject({ count: count.default(c), window: duration().pipe(z.number().positive()).default(w) }).prefault({});

/**
 * Detector settings (docs/detection.md explains each default). Every family can be switched off;
 * thresholds follow published practice (Emerging Threats VoIP rules, Kamailio pike, fail2ban)
 * unless a comment says otherwise.
 */
export const detectSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Sources (IP addresses) with detector state; beyond, the least recently active go first. */
  maxSources: count.default(200_000),
  /** Source state unused this long (seconds) is dropped. */
  idleTimeout: duration().pipe(z.number().positive()).default(3600),
  /** The same rule on the same key alerts again only after this long (seconds) or when its evidence has doubled (but at most once a minute). */
  realert: duration().pipe(z.number().positive()).default(3600),
  /** Alerts per second of packet time over all rules; more are counted and dropped. */
  maxAlertsPerSecond: count.default(50),

  scanner: z.strictObject({
    enabled: z.boolean().default(true),
    /** Case-insensitive substrings of User-Agent (or From display name) naming attack tools. */
    userAgents: z.array(z.strictObject({ match: z.string().min(2), tool: z.string().min(1), severity: z.enum(['low', 'medium', 'high', 'critical']).default('high') })).default(DEFAULT_USER_AGENT_SIGNATURES.map((s) => ({ ...s }))),
    /** Structural fingerprints of SIPVicious-family requests (hex From tag, numeric Call-ID, digit branch, sip:100@1.1.1.1). */
    fingerprint: z.boolean().default(true),
    /** Score (tag 2, From URI 2, branch 1, Call-ID 1) at which one request counts as a tool's. */
    fingerprintScore: count.default(3),
    /** OPTIONS/REGISTER/INVITE sweep: one source, this many distinct destination addresses. */
    sweep: threshold(10, 60),
  }).prefault({}),

  enumeration: z.strictObject({
    enabled: z.boolean().default(true),
    /** Distinct target users probed by one source without credentials. */
    users: count.default(10),
    window: duration().pipe(z.number().positive()).default(300),
    /** At most this share of the users may have succeeded (2xx to REGISTER/INVITE): an office behind NAT succeeds. */
    maxSuccessRatio: ratio.default(0.1),
    /** At least this share must have failed (401/403/404/407/484/604). */
    minFailureRatio: ratio.default(0.5),
    /** Seconds to wait after the threshold before judging, so credentialed retries can land. */
    delay: duration().default(2),
  }).prefault({}),

  passwordGuessing: z.strictObject({
    enabled: z.boolean().default(true),
    /** auth-failed from one source (ET 2009700: 5 in 360 s). */
    perSource: threshold(5, 360),
    /** auth-failed for one user from any source. */
    perUser: threshold(10, 360),
    /** That many distinct sources make it distributed guessing. */
    distributedSources: count.default(3),
    /** A success (reg-new, call-start) from a source with at least this many recent auth-failed is a likely cracked password. */
    successAfter: count.default(3),
  }).prefault({}),

  flood: z.strictObject({
    enabled: z.boolean().default(true),
    /** Requests from one source by method (ET 2009698/2009699: 100 INVITE or REGISTER in 60 s); OPTIONS higher (monitoring pings); `any` = pike-like total. */
    invite: threshold(100, 60),
    register: threshold(100, 60),
    options: threshold(600, 60),
    any: threshold(1000, 60),
    /** Only requests originated by the sender (one Via) count, so a proxy relaying its users' traffic is not a flooder. */
    originatedOnly: z.boolean().default(true),
    /** Whole-probe REGISTER / INVITE surge (registration storm): the rate over `window` exceeds `factor` × the long-run baseline and `minRate`/s. */
    surge: z.strictObject({
      enabled: z.boolean().default(true),
      window: duration().pipe(z.number().positive()).default(10),
      factor: z.number().min(1).default(5),
      minRate: z.number().positive().default(50),
      /** Half-life of the baseline (seconds) and how long it must have run before it is trusted. */
      baseline: duration().pipe(z.number().positive()).default(900),
      warmup: duration().default(300),
    }).prefault({}),
  }).prefault({}),

  tollFraud: z.strictObject({
    enabled: z.boolean().default(true),
    /** Dialled numbers starting (after an outside-line prefix) with one of these are international. */
    internationalPrefixes: z.array(z.string().regex(/^\+?[0-9]*$/)).default(['+', '00', '011']),
    /** Digits a PBX user dials to get an outside line (stripped before the prefixes above). */
    outsideLinePrefixes: z.array(z.string().regex(/^[0-9*#]+$/)).default(['9', '0']),
    /** Country codes that are not "international" for this operator (e.g. ['49']). */
    homeCountryCodes: z.array(z.string().regex(/^[0-9]{1,3}$/)).default([]),
    /** Alert on every international destination (low severity): off by default, phones dialling E.164 would make it noise; on for operators whose users rarely call abroad. */
    alertInternational: z.boolean().default(false),
    /**
     * Country codes or longer prefixes (after the international prefix) treated as high risk. The
     * default is the ITU global-service codes (satellite 870–874, international networks 881–883,
     * international premium rate 979, shared cost 808): the classic revenue-share targets, which no
     * ordinary customer calls. Add the destinations your fraud desk lists.
     */
    highRiskPrefixes: z.array(z.string().regex(/^[0-9]+$/)).default(['870', '871', '872', '873', '874', '881', '882', '883', '979', '808']),
    /** National premium-rate prefixes as dialled (e.g. '0900', '1900'); high severity. */
    premiumPrefixes: z.array(z.string().regex(/^\+?[0-9]+$/)).default([]),
    /** The same number tried behind this many different dial prefixes (01148…, 901148…, 0048…) from one source; or behind two, `attempts` times. */
    prefixIteration: z.strictObject({
      variants: count.default(3),
      /** Two variants suffice once the number was tried this often (a person redialling from the call log uses two formats, not dozens of attempts). */
      attempts: count.default(10),
      window: duration().default(3600),
      tailDigits: count.default(7),
    }).prefault({}),
    /** Consecutive numbers (n, n+1, n+2 …) dialled by one source. */
    sequential: z.strictObject({ run: count.default(5), window: duration().default(600) }).prefault({}),
    /** Established calls at once from one source address / one user. */
    parallelCalls: z.strictObject({ perSource: count.default(50), perUser: count.default(10) }).prefault({}),
    /** Calls from addresses and users never seen registering: only meaningful where the probe sees the registrar; a diagnostic. */
    unregistered: z.strictObject({ enabled: z.boolean().default(false), warmup: duration().default(3600) }).prefault({}),
    /** A user's source country (or ASN) changes: needs range files (docs/detection.md). */
    geo: z.strictObject({
      countryFile: z.string().nullable().default(null),
      asnFile: z.string().nullable().default(null),
      window: duration().default(86_400),
    }).prefault({}),
  }).prefault({}),
});

export type DetectOptions = z.output<typeof detectSchema>;
export type DetectConfig = z.input<typeof detectSchema>;

export const defaultDetectOptions: DetectOptions = detectSchema.parse({});
