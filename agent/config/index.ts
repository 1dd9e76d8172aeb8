export { loadConfig, type LoadConfigOptions } from './load.js';
export { defaultConfig } from './defaults.js';
export { CONFIG_KEYS, envName } from './schema.js';
export type { AgentConfig, ConfigInput, HardwareIdSource, RecallAction } from './types.js';
