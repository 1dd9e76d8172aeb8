/**
 * `robot-id events`: the unit's signed event log, page by page. The agent checks the hash
 * chain over what it returns; this command checks the links of every page again on its side
 * (each entry names the SHA-256 of the one before), so a gap or rewrite shows here too.
 */
import { sha256, toHex } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, type Command, type Values } from '../command.js';
import { callAgent, type AgentTarget } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { isoSeconds } from '../technician/format.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

export interface EventView {
  seq: number;
  time: number;
  kind: string;
  note?: string;
  technician?: string;
  /** hex SHA-256 of the entry bytes / of the previous entry. */
  hash: string;
  prevHash: string;
  /** base64 of the signed entry. */
  entry: string;
}

export interface EventsPage {
  events: EventView[];
  /** Pass as ?after= for the next page; absent at the end. */
  next?: number;
  head: number;
  chain: { verified: boolean; problem?: string };
}

function intOption(values: Values, name: string, dflt: number): number {
  const raw = optionalString(values, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name}: expected a non-negative integer, got ${raw}`);
  return n;
}

/** Checks each entry's own hash and its link to the entry before it on the page. */
export function checkLinks(events: readonly EventView[], previous?: EventView): string | undefined {
  let prev = previous;
  for (const e of events) {
    if (toHex(sha256(new Uint8Array(Buffer.from(e.entry, 'base64')))) !== e.hash) return `entry ${e.seq}: hash does not match its bytes`;
    if (prev && prev.seq + 1 === e.seq && e.prevHash !== prev.hash) return `entry ${e.seq}: does not name the hash of entry ${prev.seq}`;
    prev = e;
  }
  return undefined;
}

async function fetchPages(target: AgentTarget, after: number, limit: number, all: boolean): Promise<{ events: EventView[]; head: number; problem?: string }> {
  const events: EventView[] = [];
  let head = 0;
  let cursor: number | undefined = after;
  let problem: string | undefined;
  while (cursor !== undefined) {
    const { body }: { body: EventsPage } = await callAgent<EventsPage>(target, 'GET', `/v1/events?after=${cursor}&limit=${limit}`);
    head = body.head;
    problem ??= body.chain.verified ? checkLinks(body.events, events.at(-1)) : (body.chain.problem ?? 'chain not verified by the agent');
    events.push(...body.events);
    cursor = all ? body.next : undefined;
  }
  return { events, head, problem };
}

export const eventsCommand: Command = {
  path: ['events'],
  summary: "the unit's signed event log (paged; the hash chain is checked)",
  usage: `events [--after <seq>] [--limit <n>] [--all] ${TARGET_USAGE}`,
  options: { ...targetOptions, after: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } },
  async run(values, _p, io) {
    const json = values.json === true;
    const after = intOption(values, 'after', 0);
    const limit = intOption(values, 'limit', 50);
    return withAgent(io, json, async () => {
      const { events, head, problem } = await fetchPages(resolveTarget(values), after, limit, values.all === true);
      if (json) io.out(JSON.stringify({ events, head, chain: { verified: problem === undefined, ...(problem ? { problem } : {}) } }));
      else {
        for (const e of events) {
          const who = e.technician ? ` by ${e.technician}` : '';
          io.out(`#${e.seq}  ${isoSeconds(e.time)}  ${e.kind}${who}${e.note ? `  "${e.note}"` : ''}`);
        }
        io.out(problem ? `chain: BROKEN: ${problem}` : `chain: verified (${events.length} shown, head #${head})`);
      }
      return problem ? EXIT.REJECTED : EXIT.OK;
    });
  },
};
