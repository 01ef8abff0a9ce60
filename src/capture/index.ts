/** Public surface of the capture stage: frame sources and the pcap writer. */
export type { Frame } from './frame.js';
export { LinkType } from './frame.js';
export { CaptureErrorCode } from './capture-error.js';
export type { CaptureError } from './capture-error.js';
export { DEFAULT_CAPTURE_LIMITS, RecordStream } from './record-stream.js';
export type { CaptureLimits, CaptureParserOptions, FrameHandler } from './record-stream.js';
export { PcapParser, PcapMagic } from './pcap-parser.js';
export { PcapngParser, PcapngBlockType, PcapngInterface } from './pcapng-parser.js';
export { CaptureParser, detectCaptureFormat, isGzipMagic } from './capture-parser.js';
export type { CaptureFormat } from './capture-parser.js';
export { readCapture, readCaptureStream, STDIN_SOURCE } from './read-capture.js';
export type { CaptureSummary, ReadCaptureOptions } from './read-capture.js';
export { PcapWriter, encodePcap, pcapFileHeader } from './pcap-writer.js';
export type { PcapRecord, PcapWriterOptions } from './pcap-writer.js';
