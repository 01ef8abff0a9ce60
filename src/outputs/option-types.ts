import { z } from 'zod';

/** Size constants for option defaults. */
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** An output instance name: it appears in counter names and is the spool's subdirectory. */
export const instanceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" and "_" only');
