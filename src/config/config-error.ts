/** Where a configuration value came from: a line of a file, or a `-E key=value` override. */
export interface ConfigPlace {
  source: string;
  line?: number;
  column?: number;
}

export interface ConfigProblem {
  /** Dotted key, e.g. `outputs.sqlite.retention_days`; empty for the whole document. */
  key: string;
  message: string;
  place: ConfigPlace | null;
}

/** A configuration that cannot be used. The CLI prints every problem and exits with code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.place === null ? '' : p.place.line !== undefined ? `${p.place.source}:${p.place.line}:${p.place.column ?? 1}: ` : `${p.place.source}: `;
  return `${where}${p.key === '' ? '' : p.key + ': '}${p.message}`;
}
