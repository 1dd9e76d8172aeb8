/**
 * Runs `fn` and names its outcome: the stable `code` of an error of `errorClass`, or `ok` when it
 * returns. Any other error fails the test: verifiers must only ever throw their typed error.
 */
import type { RobotIdError } from '../../sdk/index.js';

export function outcome(fn: () => unknown, errorClass: abstract new (...args: never[]) => RobotIdError, ok = 'VALID'): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof errorClass) return err.code;
    throw new Error(`expected a ${errorClass.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
  }
  return ok;
}
