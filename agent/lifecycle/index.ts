export { Lifecycle, markedState, type Registration } from './lifecycle.js';
export { submitEvent, checkRequestShape, type EventRequest, type SubmitContext } from './submit.js';
