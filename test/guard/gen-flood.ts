/**
 * Generated attack captures for the flood tests and the guard benchmark (Ethernet/IPv4/UDP pcap,
 * streamed to a file, deterministic):
 *  - `invite`: INVITEs with distinct Call-IDs, round-robin from `sources` addresses, never answered
 *    (each becomes a call-attempt timeout, or a refusal once the tracker's tables are full);
 *  - `register`: one source guessing a password, each REGISTER carrying wrong credentials and
 *    answered 401 with a fresh challenge (each an auth-failed);
 *  - `options`: a distributed scan, each source sending `perSource` OPTIONS to successive
 *    extensions; even probes are answered 200 (other-ok), odd ones never (other-timeout).
 */
import { LinkType } from '../../src/capture/frame.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { ethIp, IpProto, ipv4, udp } from '../helpers/packet-builder.js';

export type FloodKind = 'invite' | 'register' | 'options';

export interface FloodOptions {
  kind: FloodKind;
  /** SIP requests to write. */
  requests: number;
  /** Distinct source addresses (register: always 1). */
  sources: number;
  /** Requests per second over the whole capture (packet time). */
  rate: number;
  /** Time of the first packet, µs since the epoch. */
  startUs?: number;
}

export interface FloodResult {
  requests: number;
  packets: number;
  bytes: number;
  firstTsUs: number;
  lastTsUs: number;
}

export const FLOOD_T0_US = Date.UTC(2026, 1, 1) * 1000;
const SERVER = '192.0.2.10';

/** 198.18.0.0/15 (benchmarking range): the i-th source. */
export function floodSource(i: number): string {
  return `198.18.${(i >> 8) & 255}.${i & 255}`;
}

function frame(src: string, dst: string, srcPort: number, dstPort: number, text: string, id: number): Buffer {
  const payload = Buffer.from(text, 'latin1');
  // No UDP checksum (allowed on IPv4): the flood is about SIP, and a million checksums slow the generator.
  return ethIp(ipv4({ src, dst, protocol: IpProto.UDP, id: id & 0xffff }, udp({ src, dst, srcPort, dstPort, checksum: 'zero' }, payload)));
}

export async function generateFlood(path: string, o: FloodOptions): Promise<FloodResult> {
  const w = PcapWriter.toFile(path, { linkType: LinkType.ETHERNET });
  const t0 = o.startUs ?? FLOOD_T0_US;
  const gapUs = 1e6 / o.rate;
  // Replies follow their request by 2 ms (register) or 0.3 ms (options): the capture must stay in time order.
  if ((o.kind === 'register' && gapUs <= 2000) || (o.kind === 'options' && gapUs <= 300)) throw new Error(`flood rate ${o.rate}/s too high for ${o.kind}`);
  let last = t0;
  const put = async (tsUs: number, data: Buffer): Promise<void> => {
    last = tsUs;
    if (!w.writePacket(tsUs, data)) await w.drain();
  };
  for (let k = 0; k < o.requests; k++) {
    const ts = t0 + Math.floor(k * gapUs);
    switch (o.kind) {
      case 'invite': {
        const src = floodSource(1 + (k % o.sources));
        const ext = 100 + (k % 9000);
        await put(ts, frame(src, SERVER, 5060, 5060, [
          `INVITE sip:${ext}@${SERVER} SIP/2.0`,
          `Via: SIP/2.0/UDP ${src}:5060;branch=z9hG4bK-i${k};rport`,
          'Max-Forwards: 70',
          `From: "flood" <sip:caller@${src}>;tag=f${k}`,
          `To: <sip:${ext}@${SERVER}>`,
          `Call-ID: inv-${k}@${src}`,
          'CSeq: 1 INVITE',
          `Contact: <sip:caller@${src}:5060>`,
          'User-Agent: friendly-scanner',
          'Content-Length: 0',
          '', '',
        ].join('\r\n'), k));
        break;
      }
      case 'register': {
        const src = floodSource(1);
        const head = [
          `Via: SIP/2.0/UDP ${src}:5070;branch=z9hG4bK-r${k};rport`,
          `From: <sip:1001@${SERVER}>;tag=g${k}`,
          `To: <sip:1001@${SERVER}>`,
          `Call-ID: reg-${k}@${src}`,
          'CSeq: 2 REGISTER',
        ];
        await put(ts, frame(src, SERVER, 5070, 5060, [
          `REGISTER sip:${SERVER} SIP/2.0`,
          ...head.slice(0, 1),
          'Max-Forwards: 70',
          ...head.slice(1),
          `Contact: <sip:1001@${src}:5070>`,
          `Authorization: Digest username="1001", realm="${SERVER}", nonce="n${k}", uri="sip:${SERVER}", response="${(k * 2654435761 >>> 0).toString(16).padStart(32, '0')}", algorithm=MD5`,
          'User-Agent: friendly-scanner',
          'Expires: 3600',
          'Content-Length: 0',
          '', '',
        ].join('\r\n'), k));
        await put(ts + 2000, frame(SERVER, src, 5060, 5070, [
          'SIP/2.0 401 Unauthorized',
          `${head[0]}=5070;received=${src}`,
          head[1]!,
          `${head[2]};tag=s${k}`,
          ...head.slice(3),
          `WWW-Authenticate: Digest realm="${SERVER}", nonce="n${k + 1}", algorithm=MD5`,
          'Server: registrar/1.0',
          'Content-Length: 0',
          '', '',
        ].join('\r\n'), k));
        break;
      }
      case 'options': {
        const perSource = Math.max(1, Math.floor(o.requests / o.sources));
        const src = floodSource(1 + (Math.floor(k / perSource) % o.sources));
        const ext = 200 + (k % perSource);
        const via = `Via: SIP/2.0/UDP ${src}:5060;branch=z9hG4bK-o${k};rport`;
        const common = [`Call-ID: opt-${k}@${src}`, 'CSeq: 1 OPTIONS'];
        await put(ts, frame(src, SERVER, 5060, 5060, [
          `OPTIONS sip:${ext}@${SERVER} SIP/2.0`,
          via,
          'Max-Forwards: 70',
          `From: "sipvicious" <sip:${ext}@1.1.1.1>;tag=o${k}`,
          `To: "sipvicious" <sip:${ext}@1.1.1.1>`,
          ...common,
          `Contact: <sip:${ext}@${src}:5060>`,
          'User-Agent: friendly-scanner',
          'Accept: application/sdp',
          'Content-Length: 0',
          '', '',
        ].join('\r\n'), k));
        if (k % 2 === 0) {
          await put(ts + 300, frame(SERVER, src, 5060, 5060, [
            'SIP/2.0 200 OK',
            `${via}=5060;received=${src}`,
            `From: "sipvicious" <sip:${ext}@1.1.1.1>;tag=o${k}`,
            `To: "sipvicious" <sip:${ext}@1.1.1.1>;tag=s${k}`,
            ...common,
            'Server: pbx/1.0',
            'Content-Length: 0',
            '', '',
          ].join('\r\n'), k));
        }
        break;
      }
    }
  }
  await w.close();
  return { requests: o.requests, packets: w.packets, bytes: w.bytes, firstTsUs: t0, lastTsUs: last };
}
