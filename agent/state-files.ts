/**
 * Files the agent keeps in the state directory, beside those `robot-id provision` writes
 * (sdk STATE_FILES). docs/operations.md §"State directory" lists them all.
 */
import { join } from 'node:path';

export const AGENT_FILES = {
  eventLog: 'events.log',
  eventCheckpoint: 'events.checkpoint.json',
  ackLog: 'acks.log',
  outboxCursor: 'outbox.json',
  timeFloor: 'time-floor.json',
  bootCount: 'boot.json',
  lifecycle: 'lifecycle.json',
  quarantine: 'quarantine',
  socket: 'agent.sock',
  recalls: 'recalls',
  recallIndex: 'recall-index',
  /** Optional, put there by the operator: the trust bundle the page served at GET / offers (docs/local-api.md §"The page"). */
  pageBundle: 'trust-bundle.json',
} as const;

export function agentPath(stateDir: string, file: keyof typeof AGENT_FILES): string {
  return join(stateDir, AGENT_FILES[file]);
}
