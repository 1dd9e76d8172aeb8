/** The agent's public surface for the CLI, the demo and tests. */
export { startAgent, type StartOptions } from './main.js';
export { requestRekey, stageRekey, type RekeyRequested } from './rekey/steps.js';
export type { Agent, AgentModule, AgentStatus, StopRequest } from './agent.js';
export { loadConfig, defaultConfig, envName, type AgentConfig, type LoadConfigOptions } from './config/index.js';
export { AgentStartError, ConfigError, EventLogError, EventRejectedError } from './errors.js';
export { EXIT_STATUS, DO_NOT_RUN_STATUSES } from './exit-status.js';
export { callAgent, callAgentOk, AgentClientError, type AgentTarget } from './api/client.js';
export { pageHtml, embedBundle, PAGE_FILE } from './api/page/html.js';
export { AGENT_FILES, agentPath } from './state-files.js';
export type { Clock } from './time/clock.js';
export { createRootLogger, type Logger } from './logger.js';
