/**
 * Configured ports as a 64 Ki-entry flag table: one indexed load per port instead of a set
 * lookup per packet. A flow is "on" a port when its source or destination port is.
 */
export const PortFlag = { SIP: 1, TLS: 2, HEP: 4 } as const;

export function buildPortFlags(sipPorts: readonly number[], tlsPorts: readonly number[], hepPorts: readonly number[]): Uint8Array {
  const t = new Uint8Array(65_536);
  const mark = (ports: readonly number[], flag: number): void => {
    for (const p of ports) if (Number.isInteger(p) && p >= 0 && p < 65_536) t[p] |= flag;
  };
  mark(sipPorts, PortFlag.SIP);
  mark(tlsPorts, PortFlag.TLS);
  mark(hepPorts, PortFlag.HEP);
  return t;
}
