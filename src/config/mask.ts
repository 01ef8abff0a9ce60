/** Shown instead of a secret. */
export const MASK = '********';

/** Keys whose values are secrets; names of environment variables or files (`tokenEnv`, `keyFile`) are not. */
const SECRET_KEY = /(token|password|passwd|secret|passphrase|apikey|api_key|keys?|auth|authorization|cookie|credentials?)$/i;
const NOT_SECRET = /(env|file|files|path|id)$/i;

/**
 * A copy of a configuration fit to show (HTTP API, `--print-config`): secret values masked, and
 * credentials inside URLs (`postgres://user:pw@host`) masked too. Masking by key name errs on
 * the side of hiding.
 */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key !== '' && SECRET_KEY.test(key) && !NOT_SECRET.test(key)) return MASK;
    return maskUrl(value);
  }
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v, k);
    return out;
  }
  return value;
}

function maskUrl(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, (_m, scheme: string, cred: string) => {
    const colon = cred.indexOf(':');
    return colon < 0 ? `${scheme}${MASK}@` : `${scheme}${cred.slice(0, colon)}:${MASK}@`;
  });
}
