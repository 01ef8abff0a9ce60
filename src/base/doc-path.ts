/**
 * A field of a JSON document by dotted path ("sip.call_id"): nested objects, or the flattened key
 * itself (some pipelines write "sip.key_id" as one name). Shared by the decryptor and the web UI.
 */
export function getPath(doc: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(doc, path)) return doc[path];
  let node: unknown = doc;
  for (const p of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}
