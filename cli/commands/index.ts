/** Every subcommand, listed once. Add yours in its own file and one line here. */
import type { Command } from '../command.js';
import { versionCommand } from './version.js';

export const commands: readonly Command[] = [
  versionCommand,
];
