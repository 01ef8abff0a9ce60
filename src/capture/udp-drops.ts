import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped for UDP sockets bound to a local port, because their receive
 * buffer was full: the `drops` column of /proc/net/udp (IPv4) or /proc/net/udp6 (IPv6), summed
 * over the rows of that port. null where there is no such file (not Linux) or it has no row for
 * the port. A port a listener bound alone (no SO_REUSEPORT) has one row: its own socket.
 */
export function udpKernelDrops(port: number, ipv6: boolean, file = ipv6 ? '/proc/net/udp6' : '/proc/net/udp'): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return null;
  }
  return dropsOfPort(text, port);
}

/**
 * The parsing half of udpKernelDrops, on the file's text. A host with tens of thousands of UDP
 * sockets (a media relay) has a file of megabytes: only the lines holding the port are split.
 */
export function dropsOfPort(text: string, port: number): number | null {
  const suffix = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  let total: number | null = null;
  // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
  for (let at = text.indexOf(suffix + ' '); at >= 0; at = text.indexOf(suffix + ' ', at + 1)) {
    const from = text.lastIndexOf('\n', at) + 1;
    let to = text.indexOf('\n', at);
    if (to < 0) to = text.length;
    const cols = text.slice(from, to).trim().split(/\s+/);
    // The port may be the remote one of another socket: only the local address counts.
    if (cols.length < 13 || !cols[1]!.endsWith(suffix)) continue;
    const drops = Number(cols[12]);
    if (Number.isSafeInteger(drops)) total = (total ?? 0) + drops;
    at = to;
  }
  return total;
}
