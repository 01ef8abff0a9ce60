/**
 * Interning of encapsulation paths: every SipPayload carries one frozen array per distinct path
 * (['eth', 'ipv4', 'udp'], ...), never the caller's array, which may be a reused scratch object.
 * Paths live in a small trie of layer names; the last path seen is checked first because
 * consecutive packets nearly always share it.
 */

class PayloadEncapNode {
  readonly children = new Map<string, PayloadEncapNode>();
  constructor(readonly path: readonly string[]) {}
}

/** Distinct paths kept; a capture has a handful, so this only stops hostile growth. */
const DEFAULT_MAX_PATHS = 4096;

export class PayloadEncapInterner {
  private readonly root = new PayloadEncapNode(Object.freeze([]));
  private lastPath: readonly string[] = this.root.path;
  private paths = 0;
  /** Paths returned without interning because the table was full. */
  overflow = 0;

  constructor(private readonly maxPaths = DEFAULT_MAX_PATHS) {}

  /** The interned (frozen) copy of `encap`. */
  intern(encap: readonly string[]): string[] {
    const last = this.lastPath;
    if (last.length === encap.length) {
      let same = true;
      for (let i = 0; i < encap.length; i++) {
        if (last[i] !== encap[i]) {
          same = false;
          break;
        }
      }
      if (same) return last as string[];
    }
    let node: PayloadEncapNode | null = this.root;
    for (let i = 0; i < encap.length && node !== null; i++) node = this.child(node, encap, i + 1);
    if (node === null) return Object.freeze(encap.slice()) as string[];
    this.lastPath = node.path;
    return node.path as string[];
  }

  /** The interned path `base` followed by `suffix` (for layers decode adds: 'ws', 'hep3', ...). */
  extend(base: readonly string[], suffix: readonly string[]): string[] {
    let node: PayloadEncapNode | null = this.root;
    const all = base.concat(suffix);
    for (let i = 0; i < all.length && node !== null; i++) node = this.child(node, all, i + 1);
    return (node === null ? Object.freeze(all) : node.path) as string[];
  }

  private child(node: PayloadEncapNode, path: readonly string[], depth: number): PayloadEncapNode | null {
    const name = path[depth - 1];
    let next = node.children.get(name);
    if (next === undefined) {
      if (this.paths >= this.maxPaths) {
        this.overflow++;
        return null;
      }
      this.paths++;
      next = new PayloadEncapNode(Object.freeze(path.slice(0, depth)));
      node.children.set(name, next);
    }
    return next;
  }
}
