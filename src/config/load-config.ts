import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigPlace, type ConfigProblem } from './config-error.js';

/**
 * The configuration pipeline: YAML text → document (line numbers kept) → `-E key=value`
 * overrides applied on the document → one zod validation of the whole → typed options. Every
 * problem names its key and its place (file and line, or the override), and all problems are
 * reported at once.
 */
export interface ConfigSource {
  /** Path of the YAML file, or null when the command line alone configures. */
  file: string | null;
  /** `key=value` strings from `-E`; the value is YAML (`5m`, `[a, b]`, `{x: 1}`, `true`). */
  overrides: string[];
  /** Settings from ordinary command-line options, applied before the overrides (dotted keys). */
  settings?: Array<[string, unknown]>;
}

export interface LoadedConfig<T> {
  value: T;
  /** The document as written plus overrides (no defaults), e.g. for a masked dump. */
  raw: unknown;
}

/** Overrides that reach into an array index: `outputs.0.path`. */
function pathOf(key: string): (string | number)[] {
  return key.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

export function loadConfig<S extends z.ZodType>(schema: S, src: ConfigSource): LoadedConfig<z.output<S>> {
  const problems: ConfigProblem[] = [];
  const lines = new LineCounter();
  let doc: Document;
  let text = '';
  if (src.file !== null) {
    try {
      text = readFileSync(src.file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ key: '', message: `cannot read the configuration: ${(err as Error).message}`, place: { source: src.file } }]);
    }
  }
  doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const file = src.file ?? '<command line>';
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({ key: '', message: e.message.split('\n')[0]!, place: { source: file, line: pos.line, column: pos.col } });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (doc.contents === null) doc = parseDocument('{}');
  if (!isMap(doc.contents)) throw new ConfigError([{ key: '', message: 'the configuration must be a mapping of sections', place: { source: file, line: 1 } }]);

  const overridden = new Map<string, ConfigPlace>();
  const set = (key: string, value: unknown, place: ConfigPlace): void => {
    try {
      doc.setIn(pathOf(key), doc.createNode(value));
      overridden.set(key, place);
    } catch (err) {
      problems.push({ key, message: `cannot set: ${(err as Error).message}`, place });
    }
  };
  for (const [key, value] of src.settings ?? []) set(key, value, { source: 'command line option' });
  for (const o of src.overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      problems.push({ key: o, message: 'expected -E key=value', place: { source: '-E' } });
      continue;
    }
    const key = o.slice(0, eq).trim();
    const valueDoc = parseDocument(o.slice(eq + 1));
    if (valueDoc.errors.length > 0) {
      problems.push({ key, message: `value is not valid YAML: ${valueDoc.errors[0]!.message.split('\n')[0]}`, place: { source: `-E ${o}` } });
      continue;
    }
    set(key, valueDoc.toJS() ?? null, { source: `-E ${o}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const raw = doc.toJS() as unknown;
  const result = schema.safeParse(raw);
  if (result.success) return { value: result.data as z.output<S>, raw };
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const key = [...path, k].join('.');
        problems.push({ key, message: 'unknown setting', place: placeOf(doc, lines, file, overridden, [...issue.path, k], true) });
      }
      continue;
    }
    const key = path.join('.');
    problems.push({ key, message: issue.message, place: placeOf(doc, lines, file, overridden, issue.path, false) });
  }
  throw new ConfigError(problems);
}

/** The file line of a key (or of its value), or the override that set it or one of its parents. */
function placeOf(doc: Document, lines: LineCounter, file: string, overridden: Map<string, ConfigPlace>, path: readonly PropertyKey[], wantKey: boolean): ConfigPlace | null {
  const parts = path.map(String);
  for (let i = parts.length; i > 0; i--) {
    const o = overridden.get(parts.slice(0, i).join('.'));
    if (o !== undefined) return o;
  }
  // Walk down as far as the document goes; a missing key is reported at its parent.
  let node: unknown = doc.contents;
  let range: [number, number, number] | undefined = (doc.contents as Node | null)?.range ?? undefined;
  for (const k of path) {
    if (!isMap(node)) {
      const items = (node as { items?: unknown[] } | null)?.items;
      if (Array.isArray(items) && typeof k === 'number' && items[k] !== undefined) {
        node = items[k];
        range = (node as Node).range ?? range;
        continue;
      }
      break;
    }
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(k));
    if (pair === undefined) break;
    range = (wantKey && k === path[path.length - 1] ? (pair.key as Node).range : ((pair.value as Node | null)?.range ?? (pair.key as Node).range)) ?? range;
    node = pair.value;
  }
  if (range === undefined || file === '<command line>') return file === '<command line>' ? null : { source: file };
  const pos = lines.linePos(range[0]);
  return { source: file, line: pos.line, column: pos.col };
}
