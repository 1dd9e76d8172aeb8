/**
 * The provisioning step for the broker (called by sdk/provision): a fresh password for the
 * unit in its state dir (broker.json, 0600) and the mosquitto password line for the operator,
 * returned for the registration record and optionally merged into a password file.
 */
import { join } from 'node:path';
import { BROKER_FILE, brokerCredentials, mosquittoPasswordLine, writeBrokerCredentials, type BrokerCredentials } from './credentials.js';
import { upsertPasswordLine } from './mosquitto.js';

export interface IssuedBrokerCredentials {
  credentials: BrokerCredentials;
  /** `code:$7$...`, a line of a mosquitto password file. */
  passwdLine: string;
}

export function issueUnitBrokerCredentials(stateDir: string, code: string, passwdFile?: string): IssuedBrokerCredentials {
  const credentials = brokerCredentials(code);
  writeBrokerCredentials(join(stateDir, BROKER_FILE), credentials);
  const passwdLine = mosquittoPasswordLine(credentials);
  if (passwdFile) upsertPasswordLine(passwdFile, passwdLine);
  return { credentials, passwdLine };
}
