/** Signed messages: builders and verifiers. One file per message kind. */
export { openUnitMessage, verifyUnitMessage } from './unit-message.js';
