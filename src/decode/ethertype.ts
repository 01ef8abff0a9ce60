/**
 * EtherType values we dispatch on (IEEE registry). GRE, Geneve, SLL and our own link parsers
 * also report their payload in this namespace.
 */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** Transparent Ethernet bridging: the payload is a whole Ethernet frame (GRE, Geneve). */
  TEB: 0x6558,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  /** PPP; used by enhanced GRE (RFC 2637). */
  PPP: 0x880b,
  MPLS_UNICAST: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_DISCOVERY: 0x8863,
  PPPOE_SESSION: 0x8864,
  /** 802.1ad service tag (QinQ outer tag). */
  QINQ: 0x88a8,
  /** ERSPAN type I/II over GRE. */
  ERSPAN_II: 0x88be,
  /** ERSPAN type III over GRE. */
  ERSPAN_III: 0x22eb,
  /** Pre-standard QinQ tags still seen in the field. */
  QINQ_9100: 0x9100,
  QINQ_9200: 0x9200,
} as const;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IpProto = {
  HOPOPT: 0,
  ICMP: 1,
  IPV4: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  IPV6_NONXT: 59,
  IPV6_OPTS: 60,
  SCTP: 132,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
} as const;
