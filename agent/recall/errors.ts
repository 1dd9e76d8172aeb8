import { RobotIdError } from '../../sdk/index.js';

export type RecallStoreErrorCode = 'RECALL_STORE_INVALID' | 'RECALL_STORE_IO';

/**
 * The durable recall store cannot be read or written. The agent never treats an unreadable
 * store as empty: that would silently lift a stop-operation recall.
 */
export class RecallStoreError extends RobotIdError {
  constructor(code: RecallStoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
