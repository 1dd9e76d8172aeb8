export {
  brokerCredentials,
  mosquittoPasswordLine,
  checkMosquittoPassword,
  parseMosquittoPasswordLine,
  writeBrokerCredentials,
  readBrokerCredentials,
  isPlatformUsername,
  BROKER_CREDENTIALS_FORMAT,
  BROKER_FILE,
  MOSQUITTO_PBKDF2,
  type BrokerCredentials,
  type MosquittoPasswordLine,
  type PlatformBrokerRole,
} from './credentials.js';
export { mosquittoAcl, writeMosquittoAcl, upsertPasswordLine, upsertPasswordLines, UNIT_WRITE_CHANNELS, type PlatformUser } from './mosquitto.js';
export { issueUnitBrokerCredentials, type IssuedBrokerCredentials } from './provision.js';
