/**
 * Maps what can go wrong talking to an agent onto the documented exit statuses
 * (docs/cli.md): 3 unreachable, 1 the agent refused (4xx: unauthorized, invalid input),
 * 4 the agent failed (5xx) or answered something unreadable.
 */
import { EXIT, printError, type Io } from '../command.js';
import { AgentApiError, AgentUnreachableError } from './client.js';

export function exitFor(err: unknown): number {
  if (err instanceof AgentUnreachableError) return EXIT.UNREACHABLE;
  if (err instanceof AgentApiError) return err.status >= 400 && err.status < 500 ? EXIT.REJECTED : EXIT.FAILURE;
  return EXIT.FAILURE;
}

/** Runs a command body; typed failures are printed the house way and turned into a status. */
export async function withAgent(io: Io, json: boolean, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof AgentUnreachableError || err instanceof AgentApiError) {
      printError(io, json, err);
      return exitFor(err);
    }
    throw err;
  }
}
