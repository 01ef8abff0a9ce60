/**
 * The contract between the network half of decode (link layers, tunnels, IP, fragments)
 * and the transport half (TCP reassembly, SCTP chunks, SIP framing, WebSocket, HEP).
 *
 * Aliasing: `buf` is a view valid only for the duration of the call that receives it.
 */
export type L4Protocol = 'udp' | 'tcp' | 'sctp';

export interface L4Packet {
  /** Packet time in microseconds since the epoch. */
  tsUs: number;
  ipVersion: 4 | 6;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: L4Protocol;
  /** Layers peeled, outermost first: e.g. ['eth', 'vlan', 'ipv4', 'gre', 'ipv4', 'udp']. */
  encap: string[];
  /** L4 payload: bytes [start, end) of buf. For SCTP: the bytes after the 12-byte common header. */
  buf: Buffer;
  start: number;
  end: number;
  /** TCP only (0 otherwise): sequence number, ack number and flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16). */
  tcpSeq: number;
  tcpAck: number;
  tcpFlags: number;
}

export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;
