/**
 * The agent's root logger, made once in the composition root (main.ts); modules get children
 * (`log.child({ module: 'outbox' })`). JSON lines on stdout (pino transports do not survive
 * the bundle). Every line carries the agent version, and the robot code once it is known.
 * Secrets are redacted wherever they might appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { VERSION } from '../sdk/index.js';

export type { Logger };

export const REDACT_PATHS = [
  'apiToken',
  'brokerPassword',
  'password',
  'token',
  'authorization',
  '*.apiToken',
  '*.brokerPassword',
  '*.password',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
];

/** `destination`: a stream, or a file descriptor (1 stdout, the default; 2 for commands whose stdout is their answer). */
export function createRootLogger(level: string, destination: DestinationStream | 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { agentVersion: VERSION },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination,
  );
}
