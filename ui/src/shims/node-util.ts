/**
 * node:util for the browser bundle: only `inspect.custom` is used (MasterKey prints as its id).
 * Node defines it as this registered symbol, so the method keeps its meaning wherever it is read.
 */
export const inspect = Object.assign((value: unknown): string => String(value), {
  custom: Symbol.for('nodejs.util.inspect.custom'),
});
