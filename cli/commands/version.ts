import type { Command } from '../command.js';
import { EXIT } from '../command.js';
import { VERSION } from '../../sdk/index.js';

export const versionCommand: Command = {
  path: ['version'],
  summary: 'print the version',
  usage: 'version',
  options: {},
  async run(_values, _positionals, io) {
    io.out(VERSION);
    return EXIT.OK;
  },
};
