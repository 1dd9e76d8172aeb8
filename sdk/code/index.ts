/** The 29-position robot code: parse, validate, format, check characters. Exports only. */
export type { RobotCode } from './types.js';
export type { CodeCharset } from './charset.js';
export type { CheckAlgorithm } from './check/index.js';
export type { CodeScheme, CodeSchemeInput } from './scheme.js';
export type { FormatOptions } from './format.js';
export { CODE_LENGTH, SEGMENTS, SERIAL_LENGTH, type Segment, type SegmentName } from './layout.js';
export { CHECK_ALGORITHMS, checkLength, computeCheck } from './check/index.js';
export { DEFAULT_CODE_SCHEME, codeScheme } from './scheme.js';
export { parseCode, isValidCode, completeCode } from './parse.js';
export { formatCode } from './format.js';
export { sameEnterprise, sameModel, serialInRange } from './compare.js';
