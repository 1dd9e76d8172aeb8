/** Every subcommand, listed once. Add yours in its own file and one line here. */
import type { Command } from '../command.js';
import { versionCommand } from './version.js';
import { rootInitCommand } from './root.js';
import { rootRotateCommand, rotationPublishCommand } from './root-rotate.js';
import { enterpriseCertifyCommand, platformCertifyCommand } from './certify.js';
import { provisionCommand } from './provision.js';
import { verifyCommand } from './verify.js';
import { codeCheckCommand, codeParseCommand } from './code.js';
import { agentCommand } from './agent.js';
import { eventAddCommand } from './event.js';
import { orderApplyCommand, orderSignCommand } from './order.js';
import { showCommand } from './show.js';
import { statusCommand } from './status.js';
import { eventsCommand } from './events.js';
import { maintenanceAddCommand } from './maintenance.js';
import { attestCommand } from './attest.js';
import { qrCommand } from './qr.js';
import { pageCommand } from './page.js';
import { bundleCommand } from './bundle.js';
import { healthCommand } from './health.js';
import { demoCommand } from './demo.js';
import { policySignCommand, recallCosignCommand, recallSignCommand, recallVerifyCommand } from './recall.js';
import { recallPublishCommand, recallRepublishCommand, revokeCommand, policyPublishCommand } from './recall-publish.js';
import { recallReportCommand, recallStatusCommand } from './recall-status.js';
import { fleetWatchCommand } from './fleet.js';
import { fleetUnitsCommand } from './fleet-units.js';
import { fleetIngestCommand } from './fleet-ingest.js';
import { platformMigrateCommand } from './platform.js';
import { platformRegistryImportCommand } from './platform-registry.js';
import { fleetHistoryCommand, fleetRecycledCommand, recycleConfirmCommand } from './history.js';
import { rekeyInstallCommand, rekeyIssueCommand, rekeyRequestCommand } from './rekey.js';
import { brokerAclCommand, brokerImportCommand, brokerUserCommand } from './broker.js';

export const commands: readonly Command[] = [
  versionCommand,
  rootInitCommand,
  rootRotateCommand,
  enterpriseCertifyCommand,
  platformCertifyCommand,
  provisionCommand,
  verifyCommand,
  codeParseCommand,
  codeCheckCommand,
  agentCommand,
  eventAddCommand,
  orderSignCommand,
  orderApplyCommand,
  rekeyRequestCommand,
  rekeyIssueCommand,
  rekeyInstallCommand,
  showCommand,
  statusCommand,
  eventsCommand,
  maintenanceAddCommand,
  attestCommand,
  qrCommand,
  pageCommand,
  bundleCommand,
  healthCommand,
  demoCommand,
  recallPublishCommand,
  recallRepublishCommand,
  revokeCommand,
  policyPublishCommand,
  rotationPublishCommand,
  fleetHistoryCommand,
  fleetRecycledCommand,
  recycleConfirmCommand,
  recallStatusCommand,
  recallReportCommand,
  recallSignCommand,
  recallCosignCommand,
  recallVerifyCommand,
  policySignCommand,
  fleetWatchCommand,
  fleetUnitsCommand,
  fleetIngestCommand,
  platformMigrateCommand,
  platformRegistryImportCommand,
  brokerUserCommand,
  brokerAclCommand,
  brokerImportCommand,
];
