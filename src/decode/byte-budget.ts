/**
 * Bytes buffered by one group of tables (TCP reassembly plus WebSocket fragments), shared so a
 * single bound covers them all. Holders add what they allocate and subtract what they release.
 */
export class ByteBudget {
  used = 0;
}
