import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json (works from src and dist). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + import.meta.url);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
/** Public captures shared beside the repository (../shared/pcaps/public). */
export const SHARED_PCAPS = resolve(REPO_ROOT, '../shared/pcaps/public');
/** Our own committed fixture captures. */
export const FIXTURES = join(REPO_ROOT, 'fixtures');

export function sharedPcap(name: string): string {
  return join(SHARED_PCAPS, name);
}
