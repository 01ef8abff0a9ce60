/**
 * Interned `encap` arrays. Every L4Packet carries the list of layers peeled, outermost first;
 * building a fresh array per packet would allocate on the hot path, so paths are nodes of a
 * trie keyed by layer: steady traffic walks existing nodes and hands out their shared array.
 * The arrays are frozen: consumers read them, never modify them.
 */

/** Layer ids (index into LAYER_NAMES). */
export const Layer = {
  ETH: 0,
  SLL: 1,
  SLL2: 2,
  NULL: 3,
  RAW: 4,
  VLAN: 5,
  PPPOE: 6,
  PPP: 7,
  MPLS: 8,
  IPV4: 9,
  IPV6: 10,
  GRE: 11,
  ERSPAN: 12,
  VXLAN: 13,
  GENEVE: 14,
  GTPU: 15,
  UDP: 16,
  TCP: 17,
  SCTP: 18,
} as const;

export const LAYER_NAMES: readonly string[] = [
  'eth', 'sll', 'sll2', 'null', 'raw', 'vlan', 'pppoe', 'ppp', 'mpls', 'ipv4', 'ipv6',
  'gre', 'erspan', 'vxlan', 'geneve', 'gtpu', 'udp', 'tcp', 'sctp',
];

const LAYER_COUNT = LAYER_NAMES.length;

export class EncapPath {
  /** The layer names from the outermost to this node; shared, never mutate. */
  readonly names: string[];
  /** Number of layers (names.length). */
  readonly depth: number;
  /** Children by layer id; `undefined` until first used. */
  readonly children: (EncapPath | undefined)[];

  constructor(names: string[]) {
    this.names = names;
    this.depth = names.length;
    this.children = new Array<EncapPath | undefined>(LAYER_COUNT).fill(undefined);
  }
}

export class EncapInterner {
  readonly root = new EncapPath(Object.freeze([]) as unknown as string[]);
  private nodes = 1;
  private readonly maxNodes: number;
  /** Paths built past the cap (not cached, so they allocate every time). */
  overflow = 0;

  constructor(maxNodes = 4096) {
    this.maxNodes = maxNodes;
  }

  /** The path `parent` + layer; cached unless the trie is full. */
  child(parent: EncapPath, layer: number): EncapPath {
    const hit = parent.children[layer];
    if (hit !== undefined) return hit;
    const node = new EncapPath(Object.freeze([...parent.names, LAYER_NAMES[layer]!]) as string[]);
    if (this.nodes < this.maxNodes) {
      parent.children[layer] = node;
      this.nodes++;
    } else {
      this.overflow++;
    }
    return node;
  }

  get size(): number {
    return this.nodes;
  }
}
