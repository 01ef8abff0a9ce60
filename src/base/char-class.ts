/**
 * A byte-class table for scanners: 1 for the ASCII letters and digits and for each character of
 * `marks`, 0 for every other byte (indexes past 255 read as undefined, also false).
 */
export function alphanumAnd(marks: string): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let i = 0; i < marks.length; i++) t[marks.charCodeAt(i)] = 1;
  return t;
}
