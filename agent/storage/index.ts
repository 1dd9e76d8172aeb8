export { FramedLog, type FramedLogOptions, type AppendOptions, type Appended, type DeferredRecord, type MadeRecord, type WriterFaults } from './framed-log.js';
export type { RecoveryReport, Quarantined } from './recover.js';
export { crc32 } from './crc32.js';
export { encodeFrame, encodeFrameInto, scanFrames, frameAt, FRAME_HEADER_BYTES, FRAME_MAGIC } from './frame.js';
export { isNoSpace } from './no-space.js';
