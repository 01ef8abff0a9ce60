import type { Counters } from '../base/counters.js';
import { LinkType, type Frame } from '../capture/frame.js';
import { EncapInterner, Layer, type EncapPath } from './encap-path.js';
import { EtherType, IpProto } from './ethertype.js';
import { ipv4Text, ipv6Text } from './ip/address.js';
import { FragmentReassembler, type FragmentSet } from './ip/fragments.js';
import { IPV4_DST, IPV4_SRC, ipv4Id, MORE_FRAGMENTS, parseIpv4 } from './ip/ipv4.js';
import { IPV6_DST, IPV6_SRC, ipv6FragmentId, parseIpv6, parseIpv6Fragment, skipExtensionHeaders } from './ip/ipv6.js';
import type { L4Packet, L4Protocol } from './l4-packet.js';
import { parseSctp } from './l4/sctp.js';
import { parseTcp, tcpAck, tcpFlags, tcpSeq } from './l4/tcp.js';
import { parseUdp } from './l4/udp.js';
import { LayerCursor } from './layer-cursor.js';
import { parseEthernet } from './link/ethernet.js';
import { parseNull } from './link/null.js';
import { parseRawIp } from './link/raw.js';
import { parseSll } from './link/sll.js';
import { parseSll2 } from './link/sll2.js';
import { parseMpls } from './mpls.js';
import { parsePpp } from './ppp.js';
import { parsePppoeSession } from './pppoe.js';
import { parseErspan } from './tunnels/erspan.js';
import { parseGeneve } from './tunnels/geneve.js';
import { GreFlag, parseGre } from './tunnels/gre.js';
import { parseGtpu } from './tunnels/gtpu.js';
import { parseVxlan } from './tunnels/vxlan.js';
import { parseVlanTag } from './vlan.js';

export interface NetworkOptions {
  /** UDP destination ports decoded as VXLAN (RFC 7348). */
  vxlanPorts: number[];
  /** UDP destination ports decoded as GTP-U (3GPP TS 29.281). */
  gtpuPorts: number[];
  /** UDP destination ports decoded as Geneve (RFC 8926). */
  genevePorts: number[];
  /** IP fragment reassembly limits; timeoutUs is packet time. */
  fragments: { maxSets: number; maxBytes: number; timeoutUs: number };
  /** Nested tunnels (GRE, ERSPAN, VXLAN, Geneve, GTP-U, IP-in-IP, MPLS/bridged Ethernet) decoded at most. */
  maxTunnelDepth: number;
}

export const defaultNetworkOptions: NetworkOptions = {
  vxlanPorts: [4789],
  gtpuPorts: [2152],
  genevePorts: [6081],
  fragments: { maxSets: 10000, maxBytes: 64 * 1024 * 1024, timeoutUs: 30_000_000 },
  maxTunnelDepth: 8,
};

/** 802.1Q tags (plus 802.1ad / pre-standard QinQ) peeled at most, one after the other. */
export const MAX_VLAN_TAGS = 8;

const UdpTunnel = { NONE: 0, VXLAN: 1, GTPU: 2, GENEVE: 3 } as const;

const EMPTY = Buffer.alloc(0);

/**
 * The network half of decode: peels link layers, VLAN/PPPoE/MPLS, IPv4/IPv6 (with fragment
 * reassembly) and tunnels, then hands every UDP, TCP and SCTP packet to `onL4`.
 *
 * Aliasing: `onL4` receives one reusable L4Packet, overwritten for the next packet; its `buf` is
 * the frame's buffer (or a reassembled copy) and its `encap` array is shared by every packet with
 * the same layers. A consumer that keeps anything must copy it, and must not modify either.
 *
 * Hostile input never throws: every problem increments a named counter and drops the frame.
 * An exception thrown by `onL4` itself is propagated unchanged.
 */
export class NetworkDecoder {
  private readonly counters: Counters;
  private readonly onL4: (p: L4Packet) => void;
  private readonly cur = new LayerCursor();
  private readonly interner = new EncapInterner();
  private readonly udpTunnels = new Uint8Array(65536);
  private readonly frags: FragmentReassembler;
  private readonly maxDepth: number;
  private readonly l4: L4Packet;

  /** Packet time of the frame being decoded. */
  private tsUs = 0;
  /** The innermost IP header seen so far: its version and where its addresses are. */
  private ipVersion: 4 | 6 = 4;
  private addrBuf: Buffer = EMPTY;
  private srcOff = 0;
  private dstOff = 0;
  /** Reassembled datagrams decoded inside the current frame (bounds nested fragmentation). */
  private reassembledInFrame = 0;
  private inCallback = false;

  constructor(opts: NetworkOptions, counters: Counters, onL4: (p: L4Packet) => void) {
    this.counters = counters;
    this.onL4 = onL4;
    this.maxDepth = opts.maxTunnelDepth;
    this.frags = new FragmentReassembler(opts.fragments, counters);
    for (const p of opts.vxlanPorts) this.udpTunnels[p & 0xffff] = UdpTunnel.VXLAN;
    for (const p of opts.gtpuPorts) this.udpTunnels[p & 0xffff] = UdpTunnel.GTPU;
    for (const p of opts.genevePorts) this.udpTunnels[p & 0xffff] = UdpTunnel.GENEVE;
    this.l4 = {
      tsUs: 0,
      ipVersion: 4,
      srcIp: '',
      dstIp: '',
      srcPort: 0,
      dstPort: 0,
      protocol: 'udp',
      encap: this.interner.root.names,
      buf: EMPTY,
      start: 0,
      end: 0,
      tcpSeq: 0,
      tcpAck: 0,
      tcpFlags: 0,
    };
  }

  /** Decodes one frame; never throws for any input (anomalies are counted). */
  decodeFrame(frame: Frame): void {
    this.tsUs = frame.tsUs;
    this.reassembledInFrame = 0;
    const buf = frame.data;
    const end = buf.length;
    const root = this.interner.root;
    try {
      switch (frame.linkType) {
        case LinkType.ETHERNET:
          this.ethernet(buf, 0, end, root, 0);
          return;
        case LinkType.LINUX_SLL:
          if (this.ok(parseSll(buf, 0, end, this.cur))) {
            this.etherType(buf, this.cur.off, this.cur.end, this.cur.type, this.step(root, Layer.SLL), 0);
          }
          return;
        case LinkType.LINUX_SLL2:
          if (this.ok(parseSll2(buf, 0, end, this.cur))) {
            this.etherType(buf, this.cur.off, this.cur.end, this.cur.type, this.step(root, Layer.SLL2), 0);
          }
          return;
        case LinkType.NULL:
        case LinkType.LOOP:
          if (this.ok(parseNull(buf, 0, end, frame.linkType === LinkType.LOOP, this.cur))) {
            this.etherType(buf, this.cur.off, this.cur.end, this.cur.type, this.step(root, Layer.NULL), 0);
          }
          return;
        case LinkType.RAW:
          if (this.ok(parseRawIp(buf, 0, end, this.cur))) {
            this.etherType(buf, this.cur.off, this.cur.end, this.cur.type, this.step(root, Layer.RAW), 0);
          }
          return;
        case LinkType.IPV4:
          this.ipv4(buf, 0, end, this.step(root, Layer.RAW), 0);
          return;
        case LinkType.IPV6:
          this.ipv6(buf, 0, end, this.step(root, Layer.RAW), 0);
          return;
        default:
          this.counters.inc('decode.link.unsupported');
      }
    } catch (e) {
      if (this.inCallback) {
        this.inCallback = false;
        throw e;
      }
      // A decoding bug must not stop the probe: count it and drop the frame.
      this.counters.inc('decode.internal_error');
    }
  }

  /**
   * Expires fragment sets whose first fragment is timeoutUs or more older than nowUs (packet
   * time), and refreshes the gauges `decode.fragments.sets`, `decode.fragments.bytes` and
   * `decode.encap.uncached` (encap paths built past the intern cap).
   */
  tick(nowUs: number): void {
    this.frags.expire(nowUs);
    this.counters.set('decode.encap.uncached', this.interner.overflow);
  }

  /** End of input: counts incomplete fragment sets (`decode.fragments.incomplete`) and frees them. */
  finish(): void {
    this.frags.finish();
  }

  /** Fragment sets currently held (for stats and tests). */
  get fragmentSets(): number {
    return this.frags.size;
  }

  /** Interned encapsulation paths (for stats and tests). */
  get encapPaths(): number {
    return this.interner.size;
  }

  // ---- helpers ----

  private ok(err: string | null): boolean {
    if (err === null) return true;
    this.counters.inc(err);
    return false;
  }

  private step(path: EncapPath, layer: number): EncapPath {
    return this.interner.child(path, layer);
  }

  /** Whether one more tunnel may be entered at `depth` tunnels deep. */
  private enter(depth: number): boolean {
    if (depth < this.maxDepth) return true;
    this.counters.inc('decode.tunnel.too_deep');
    return false;
  }

  // ---- link layers ----

  private ethernet(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    if (!this.ok(parseEthernet(buf, start, end, this.cur))) return;
    this.etherType(buf, this.cur.off, this.cur.end, this.cur.type, this.step(path, Layer.ETH), depth);
  }

  /** Dispatches a payload named by EtherType, peeling VLAN tags first. */
  private etherType(buf: Buffer, start: number, end: number, type: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    let off = start;
    let p = path;
    for (let tags = 0; isVlanTpid(type); tags++) {
      if (tags >= MAX_VLAN_TAGS) {
        this.counters.inc('decode.vlan.too_many_tags');
        return;
      }
      if (!this.ok(parseVlanTag(buf, off, end, cur))) return;
      off = cur.off;
      type = cur.type;
      p = this.step(p, Layer.VLAN);
    }
    switch (type) {
      case EtherType.IPV4:
        this.ipv4(buf, off, end, p, depth);
        return;
      case EtherType.IPV6:
        this.ipv6(buf, off, end, p, depth);
        return;
      case EtherType.PPPOE_SESSION:
        if (this.ok(parsePppoeSession(buf, off, end, cur))) {
          this.ppp(buf, cur.off, cur.end, this.step(p, Layer.PPPOE), depth);
        }
        return;
      case EtherType.PPP:
        this.ppp(buf, off, end, p, depth);
        return;
      case EtherType.MPLS_UNICAST:
      case EtherType.MPLS_MULTICAST:
        this.mpls(buf, off, end, p, depth);
        return;
      case EtherType.TEB:
        if (this.enter(depth)) this.ethernet(buf, off, end, p, depth + 1);
        return;
      case EtherType.PPPOE_DISCOVERY:
        this.counters.inc('decode.pppoe.discovery');
        return;
      default:
        this.counters.inc('decode.ethertype.unsupported');
    }
  }

  private ppp(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    if (!this.ok(parsePpp(buf, start, end, cur))) return;
    const p = this.step(path, Layer.PPP);
    if (cur.type === EtherType.IPV4) this.ipv4(buf, cur.off, cur.end, p, depth);
    else this.ipv6(buf, cur.off, cur.end, p, depth);
  }

  private mpls(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    if (!this.ok(parseMpls(buf, start, end, cur))) return;
    const p = this.step(path, Layer.MPLS);
    if (cur.type === EtherType.TEB) {
      // Ethernet pseudowire: a tunnel.
      if (this.enter(depth)) this.ethernet(buf, cur.off, cur.end, p, depth + 1);
    } else if (cur.type === EtherType.IPV4) {
      this.ipv4(buf, cur.off, cur.end, p, depth);
    } else {
      this.ipv6(buf, cur.off, cur.end, p, depth);
    }
  }

  /** The payload of a tunnel that names it by EtherType (GRE, Geneve); `depth` already counts the tunnel. */
  private tunnelPayload(type: number, buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    if (type === EtherType.TEB) this.ethernet(buf, start, end, path, depth);
    else this.etherType(buf, start, end, type, path, depth);
  }

  // ---- IP ----

  private ipv4(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    if (!this.ok(parseIpv4(buf, start, end, cur))) return;
    const off = cur.off;
    const payloadEnd = cur.end;
    const proto = cur.type;
    const frag = cur.aux;
    const p = this.step(path, Layer.IPV4);
    if (frag !== 0) {
      this.ipv4Fragment(buf, start, off, payloadEnd, proto, frag, p, depth);
      return;
    }
    this.ipVersion = 4;
    this.addrBuf = buf;
    this.srcOff = start + IPV4_SRC;
    this.dstOff = start + IPV4_DST;
    this.ipPayload(proto, buf, off, payloadEnd, p, depth, false);
  }

  private ipv4Fragment(
    buf: Buffer,
    header: number,
    start: number,
    end: number,
    proto: number,
    frag: number,
    path: EncapPath,
    depth: number,
  ): void {
    this.counters.inc('decode.ipv4.fragments');
    // Key per RFC 791 §3.2: source, destination, protocol, identification.
    const key = ipv4Text(buf, header + IPV4_SRC) + '>' + ipv4Text(buf, header + IPV4_DST) + '/' + proto + '#' + ipv4Id(buf, header);
    const more = (frag & MORE_FRAGMENTS) !== 0;
    const set = this.frags.add(key, 4, buf, header + IPV4_SRC, proto, frag - (frag & MORE_FRAGMENTS), more, buf, start, end, this.tsUs);
    if (set !== null) this.reassembled(set, path, depth);
  }

  private ipv6(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    if (!this.ok(parseIpv6(buf, start, end, cur))) return;
    this.ipVersion = 6;
    this.addrBuf = buf;
    this.srcOff = start + IPV6_SRC;
    this.dstOff = start + IPV6_DST;
    this.ipPayload(cur.type, buf, cur.off, cur.end, this.step(path, Layer.IPV6), depth, true);
  }

  private ipv6Fragment(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    if (!this.ok(parseIpv6Fragment(buf, start, end, cur))) return;
    // Atomic fragments (offset 0, M = 0) never get here: skipExtensionHeaders skips them.
    const pos = cur.aux;
    this.counters.inc('decode.ipv6.fragments');
    const offset = pos - (pos & 1);
    // Key per RFC 8200 §4.5: source, destination, identification.
    const key =
      ipv6Text(this.addrBuf, this.srcOff) + '>' + ipv6Text(this.addrBuf, this.dstOff) + '#' + ipv6FragmentId(buf, start);
    const set = this.frags.add(
      key,
      6,
      this.addrBuf,
      this.srcOff,
      offset === 0 ? cur.type : -1,
      offset,
      (pos & 1) !== 0,
      buf,
      cur.off,
      cur.end,
      this.tsUs,
    );
    if (set !== null) this.reassembled(set, path, depth);
  }

  /** Decodes a reassembled datagram's payload (a copy, so it outlives the fragments' frames). */
  private reassembled(set: FragmentSet, path: EncapPath, depth: number): void {
    // A reassembled payload may itself hold a fragment that completes another set; bound that.
    if (++this.reassembledInFrame > this.maxDepth + 1) {
      this.counters.inc('decode.fragments.nested');
      return;
    }
    const data = set.assemble();
    this.ipVersion = set.ipVersion;
    this.addrBuf = set.addr;
    this.srcOff = 0;
    this.dstOff = set.ipVersion === 4 ? 4 : 16;
    this.ipPayload(set.protocol, data, 0, data.length, path, depth, set.ipVersion === 6);
  }

  /** Dispatches an IP payload by protocol / Next Header, after skipping extension headers. */
  private ipPayload(proto: number, buf: Buffer, start: number, end: number, path: EncapPath, depth: number, v6: boolean): void {
    const cur = this.cur;
    if (!this.ok(skipExtensionHeaders(buf, start, end, proto, v6, cur))) return;
    const off = cur.off;
    switch (cur.type) {
      case IpProto.UDP:
        this.udp(buf, off, end, path, depth);
        return;
      case IpProto.TCP:
        this.tcp(buf, off, end, path);
        return;
      case IpProto.SCTP:
        this.sctp(buf, off, end, path);
        return;
      case IpProto.ICMP:
      case IpProto.ICMPV6:
        // Never decode the packet an ICMP error quotes: it is not traffic.
        this.counters.inc('decode.icmp');
        return;
      case IpProto.IPV4:
        if (this.enter(depth)) this.ipv4(buf, off, end, path, depth + 1);
        return;
      case IpProto.IPV6:
        if (this.enter(depth)) this.ipv6(buf, off, end, path, depth + 1);
        return;
      case IpProto.GRE:
        this.gre(buf, off, end, path, depth);
        return;
      case IpProto.IPV6_FRAG:
        if (v6) this.ipv6Fragment(buf, off, end, path, depth);
        else this.counters.inc('decode.ip.unsupported_protocol');
        return;
      case IpProto.ESP:
        this.counters.inc('decode.ip.esp');
        return;
      case IpProto.IPV6_NONXT:
        this.counters.inc('decode.ipv6.no_next_header');
        return;
      default:
        this.counters.inc('decode.ip.unsupported_protocol');
    }
  }

  // ---- tunnels ----

  private gre(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    if (!this.enter(depth)) return;
    const cur = this.cur;
    if (!this.ok(parseGre(buf, start, end, cur))) return;
    const p = this.step(path, Layer.GRE);
    const proto = cur.type;
    if (proto === EtherType.ERSPAN_II && (cur.aux & GreFlag.SEQUENCE) === 0) {
      // ERSPAN type I: no ERSPAN header, the mirrored frame follows GRE directly.
      this.ethernet(buf, cur.off, cur.end, this.step(p, Layer.ERSPAN), depth + 1);
    } else if (proto === EtherType.ERSPAN_II || proto === EtherType.ERSPAN_III) {
      if (this.ok(parseErspan(buf, cur.off, cur.end, proto === EtherType.ERSPAN_III, cur))) {
        this.ethernet(buf, cur.off, cur.end, this.step(p, Layer.ERSPAN), depth + 1);
      }
    } else {
      this.tunnelPayload(proto, buf, cur.off, cur.end, p, depth + 1);
    }
  }

  /**
   * Decodes a UDP payload as the tunnel its port names. Returns false when the payload does not
   * carry a valid header of that tunnel (counted): the datagram is then ordinary UDP that merely
   * uses the port, e.g. a SIP endpoint whose ephemeral port happens to be 4789.
   */
  private udpTunnel(kind: number, buf: Buffer, start: number, end: number, path: EncapPath, depth: number): boolean {
    const cur = this.cur;
    let err: string | null;
    let layer: number;
    if (kind === UdpTunnel.VXLAN) {
      err = parseVxlan(buf, start, end, cur);
      layer = Layer.VXLAN;
    } else if (kind === UdpTunnel.GENEVE) {
      err = parseGeneve(buf, start, end, cur);
      layer = Layer.GENEVE;
    } else {
      err = parseGtpu(buf, start, end, cur);
      layer = Layer.GTPU;
    }
    if (err !== null) {
      this.counters.inc(err);
      return false;
    }
    if (this.enter(depth)) this.tunnelPayload(cur.type, buf, cur.off, cur.end, this.step(path, layer), depth + 1);
    return true;
  }

  // ---- transport ----

  private udp(buf: Buffer, start: number, end: number, path: EncapPath, depth: number): void {
    const cur = this.cur;
    if (!this.ok(parseUdp(buf, start, end, cur))) return;
    const p = this.step(path, Layer.UDP);
    const off = cur.off;
    const payloadEnd = cur.end;
    const srcPort = cur.aux;
    const dstPort = cur.type;
    // Tunnels are recognised by destination port, or by source port for the return direction.
    let kind = this.udpTunnels[dstPort]!;
    if (kind === UdpTunnel.NONE) kind = this.udpTunnels[srcPort]!;
    if (kind !== UdpTunnel.NONE && this.udpTunnel(kind, buf, off, payloadEnd, p, depth)) return;
    this.emit('udp', p, buf, off, payloadEnd, srcPort, dstPort, 0, 0, 0);
  }

  private tcp(buf: Buffer, start: number, end: number, path: EncapPath): void {
    const cur = this.cur;
    if (!this.ok(parseTcp(buf, start, end, cur))) return;
    this.emit(
      'tcp',
      this.step(path, Layer.TCP),
      buf,
      cur.off,
      cur.end,
      cur.aux,
      cur.type,
      tcpSeq(buf, start),
      tcpAck(buf, start),
      tcpFlags(buf, start),
    );
  }

  private sctp(buf: Buffer, start: number, end: number, path: EncapPath): void {
    const cur = this.cur;
    if (!this.ok(parseSctp(buf, start, end, cur))) return;
    this.emit('sctp', this.step(path, Layer.SCTP), buf, cur.off, cur.end, cur.aux, cur.type, 0, 0, 0);
  }

  private emit(
    protocol: L4Protocol,
    path: EncapPath,
    buf: Buffer,
    start: number,
    end: number,
    srcPort: number,
    dstPort: number,
    seq: number,
    ack: number,
    flags: number,
  ): void {
    const l4 = this.l4;
    l4.tsUs = this.tsUs;
    l4.ipVersion = this.ipVersion;
    if (this.ipVersion === 4) {
      l4.srcIp = ipv4Text(this.addrBuf, this.srcOff);
      l4.dstIp = ipv4Text(this.addrBuf, this.dstOff);
    } else {
      l4.srcIp = ipv6Text(this.addrBuf, this.srcOff);
      l4.dstIp = ipv6Text(this.addrBuf, this.dstOff);
    }
    l4.srcPort = srcPort;
    l4.dstPort = dstPort;
    l4.protocol = protocol;
    l4.encap = path.names;
    l4.buf = buf;
    l4.start = start;
    l4.end = end;
    l4.tcpSeq = seq;
    l4.tcpAck = ack;
    l4.tcpFlags = flags;
    this.inCallback = true;
    this.onL4(l4);
    this.inCallback = false;
  }
}

function isVlanTpid(type: number): boolean {
  return type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_9100 || type === EtherType.QINQ_9200;
}
