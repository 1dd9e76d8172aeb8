/** The package version; a unit test keeps it equal to package.json. */
export const VERSION = '0.1.0';
/** The wire protocol version carried by every signed object (label 0). */
export const PROTOCOL_VERSION = 1;
