import { EXIT, UsageError, optionalString, requireString, type Command } from '../command.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

/** Kinds a technician may record (docs/local-api.md §"POST /v1/maintenance"). */
export const MAINTENANCE_KINDS = ['maintenance', 'part-replaced', 'fault', 'software-update', 'maintenance-started', 'maintenance-finished'] as const;

export interface MaintenanceAnswer {
  seq: number;
  hash: string;
  time: number;
}

export const maintenanceAddCommand: Command = {
  path: ['maintenance', 'add'],
  summary: 'record work on the unit in its signed event log, with the technician id; returns once durable',
  usage: `maintenance add --technician <id> [--note <text>] [--kind <kind>] ${TARGET_USAGE}`,
  options: { ...targetOptions, technician: { type: 'string' }, note: { type: 'string' }, kind: { type: 'string' } },
  async run(values, _p, io) {
    const json = values.json === true;
    const technician = requireString(values, 'technician');
    const kind = optionalString(values, 'kind') ?? 'maintenance';
    if (!(MAINTENANCE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind: expected one of ${MAINTENANCE_KINDS.join(', ')}, got ${kind}`);
    const note = optionalString(values, 'note');
    return withAgent(io, json, async () => {
      const { body } = await callAgent<MaintenanceAnswer>(resolveTarget(values), 'POST', '/v1/maintenance', { technician, kind, ...(note ? { note } : {}) });
      if (json) io.out(JSON.stringify(body));
      else io.out(`recorded ${kind} as event #${body.seq} (durable, signed by the unit)`);
      return EXIT.OK;
    });
  },
};
