#!/usr/bin/env node
// Keeps the data path one-way: a stage may import from itself and from earlier stages only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ORDER = ['base', 'config', 'capture', 'decode', 'sip', 'track', 'events', 'guard', 'privacy', 'outputs', 'honeypot', 'pipeline', 'server', 'cli'];
const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const stageOf = (file) => relative(root, file).split('/')[0];
let bad = 0;
for (const file of walk(root)) {
  const from = stageOf(file);
  const rank = ORDER.indexOf(from);
  if (rank < 0) {
    console.error(`${relative(root, file)}: folder "${from}" is not a known stage (${ORDER.join(', ')})`);
    bad++;
    continue;
  }
  const src = readFileSync(file, 'utf8');
  // Static imports and exports, and dynamic import('…') of a module loaded on first use.
  for (const m of src.matchAll(/(?:(?:import|export)\s[^'"]*?from\s+|import\(\s*)['"](\.[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1]);
    const to = stageOf(target);
    const toRank = ORDER.indexOf(to);
    // privacy and guard are siblings after events; each may not import the other.
    const sibling = (from === 'guard' && to === 'privacy') || (from === 'privacy' && to === 'guard');
    if (toRank > rank || sibling) {
      console.error(`${relative(root, file)}: imports ${m[1]} — "${from}" must not reach forward to "${to}"`);
      bad++;
    }
  }
}
if (bad > 0) {
  console.error(`${bad} import(s) break the data-path order`);
  process.exit(1);
}
console.log('data-path imports: ok');
