export { STATE_LAYOUT_VERSION, STATE_FILES, type StateLayout } from './state-dir.js';
export { provisionUnit, appendRegistration, REGISTRATION_FORMAT, type Registration, type ProvisionInput, type Provisioned } from './provision.js';
