/**
 * Node's Buffer for the browser bundle. ui/build/privacy-browser.mjs adds an import of this to every
 * module of src/ and ui/src/shims that uses the global `Buffer`; deliberately no
 * `globalThis.Buffer =`, so the polyfill lands only in the chunk that needs it (the decryptor).
 */
import { Buffer } from 'buffer';

export { Buffer };
