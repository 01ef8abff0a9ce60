/**
 * A secret given either as a value in the options or as the name of an environment variable
 * holding it (so that configuration files need not contain it). Read when the output is created:
 * a missing variable is a configuration error, reported at start-up rather than on every retry.
 */
export function secret(value: string | null, envName: string | null, what: string): string | null {
  if (envName === null) return value;
  const v = process.env[envName];
  if (v === undefined) throw new Error(`${what}: environment variable ${envName} is not set`);
  return v;
}
