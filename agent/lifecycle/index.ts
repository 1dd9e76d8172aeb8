export { Lifecycle } from './lifecycle.js';
export { submitEvent, checkRequestShape, type EventRequest, type SubmitContext } from './submit.js';
