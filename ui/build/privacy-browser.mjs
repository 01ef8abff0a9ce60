// esbuild plugin that lets the browser bundle reuse src/privacy as it is: the ciphers stay one
// copy, and only the Node-specific modules they import are swapped for the shims in ui/src/shims.
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** Node built-ins src/privacy reaches (decrypt.ts, keys.ts and their imports) → their browser shims. */
const NODE_SHIMS = {
  'node:crypto': 'node-crypto.ts',
  'node:fs': 'node-fs.ts',
  'node:util': 'node-util.ts',
};

/**
 * @param {string} root repository root (absolute)
 * @returns {import('esbuild').Plugin}
 */
export function privacyBrowserPlugin(root) {
  const shims = resolve(root, 'ui', 'src', 'shims');
  const privacyDir = resolve(root, 'src', 'privacy');
  const srcDir = resolve(root, 'src') + sep;
  // No line break after it, so line numbers (and source maps) stay those of the file.
  const importBuffer = `import { Buffer } from ${JSON.stringify(join(shims, 'buffer-global.ts'))};`;
  return {
    name: 'privacy-browser',
    setup(build) {
      // AES over node:crypto cipher contexts → the same classes over @noble/ciphers.
      build.onResolve({ filter: /^\.\/aes-block\.js$/ }, (args) =>
        resolve(args.resolveDir) === privacyDir ? { path: join(shims, 'aes-block.ts') } : undefined,
      );

      // Any other node: import has no browser meaning: fail the build rather than ship a broken chunk.
      build.onResolve({ filter: /^node:/ }, (args) => {
        const shim = NODE_SHIMS[/** @type {keyof typeof NODE_SHIMS} */ (args.path)];
        if (shim !== undefined) return { path: join(shims, shim) };
        return { errors: [{ text: `${args.path} has no browser shim (imported by ${args.importer}); see ui/build/privacy-browser.mjs` }] };
      });

      // src/ and the shims use Node's global Buffer; each such module gets an import of the polyfill
      // instead. Not esbuild's `inject`: with splitting it makes every entry load the (CommonJS)
      // polyfill, whereas this way it stays in the lazily loaded decryptor chunk. No global is set.
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(srcDir) && !args.path.startsWith(shims + sep)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!/\bBuffer\b/.test(text) || /^import\b[^;]*\bBuffer\b/m.test(text)) return undefined;
        return { contents: importBuffer + text, loader: 'ts' };
      });
    },
  };
}
