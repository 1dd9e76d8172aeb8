/**
 * The optional modules `robot-id agent` starts after the core, in order (link, heartbeat,
 * recall handler, ...). Add yours with one import and one entry; startAgent also takes an
 * explicit list (tests).
 */
import type { AgentModule } from './agent.js';
import { linkModule } from './link/module.js';
import { recallsModule } from './recall-sync/module.js';
import { trustModule } from './trust/module.js';

export const defaultModules: readonly AgentModule[] = [linkModule, trustModule, recallsModule];
