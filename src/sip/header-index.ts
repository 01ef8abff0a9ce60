/**
 * Layout of the header index a SipMessage keeps: a flat number array with ENTRY_SIZE numbers per
 * header line, so a message with twenty headers costs one array, not twenty objects.
 *
 *   [k + 0]  id | FOLDED | nameLength << NAME_LEN_SHIFT
 *   [k + 1]  name start   \
 *   [k + 2]  value start   } relative to the message start (small integers at any buffer offset)
 *   [k + 3]  value end    /
 *
 * The value range excludes the white space around it; a folded value spans its line breaks.
 */
export const ENTRY_SIZE = 4;
export const ID_MASK = 0xff;
/** The value continues on folded lines (RFC 3261 §7.3.1) and must be unfolded when decoded. */
export const FOLDED = 0x100;
export const NAME_LEN_SHIFT = 9;
/** Longer names are still indexed; their recorded length is capped (names are compared by it). */
export const NAME_LEN_MAX = 0xffff;

/** Header lines indexed per message; later lines are skipped and the error is too_many_headers. */
export const MAX_HEADERS = 256;
