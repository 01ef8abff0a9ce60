/** node:fs for the browser bundle: keys come from the page (pasted text), never from files. */
export function readFileSync(): never {
  throw new Error('no files in the browser');
}
