/**
 * The composition root: startAgent(config) runs the start-up checks, opens the state, and
 * composes the modules. No side effects at import time; close() undoes everything.
 *
 *   0. the state lock: one process per state directory (exit 17)
 *   1. identity: layout, record vs trust store, device key, hardware binding (exit 10/11/12)
 *   2. boot count, time floor (exit 15), event log + ack log (boot recovery), chain breaks
 *   3. lifecycle from the log (scrapped 13 / decommissioned 16 once nothing is left to deliver)
 *   4. outbox, local API, then the modules (link, heartbeat, recall handler)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { VERSION, isRobotIdError, isTerminal, threadPays, type LifecycleState } from '../sdk/index.js';
import type { Agent, AgentModule, AgentStatus, StopRequest } from './agent.js';
import { registerRoutes } from './api/routes/index.js';
import { Router } from './api/router.js';
import { startApiServer } from './api/server.js';
import type { AgentConfig } from './config/index.js';
import { AgentStartError } from './errors.js';
import { EventLog, headHex } from './eventlog/index.js';
import { EXIT_STATUS } from './exit-status.js';
import { Lifecycle, markedState, submitEvent } from './lifecycle/index.js';
import { destroyKeyFile, deviceKeyPath } from './startup/destroy-key.js';
import { heldTransferRule } from './lifecycle/transfer-rule.js';
import { createRootLogger, type Logger } from './logger.js';
import { defaultModules } from './modules.js';
import { DurableOutbox, readCursor } from './outbox/durable-outbox.js';
import { nextBootCount } from './startup/boot-count.js';
import { checkIdentity } from './startup/identity.js';
import { rollForward } from './rekey/files.js';
import { announceRekey } from './rekey/announce.js';
import { StorageHealth } from './storage-health/storage-health.js';
import { StateLockedError, lockStateDir, type StateLock } from './startup/state-lock.js';
import { agentPath } from './state-files.js';
import { FramedLog, type WriterFaults } from './storage/index.js';
import { systemClock, type Clock } from './time/clock.js';
import { TimeFloor } from './time/time-floor.js';
import { pageHtml, readPageBundle } from './api/page/html.js';

export interface StartOptions {
  clock?: Clock;
  /** Root logger; default JSON lines on stdout at config.logLevel. */
  logger?: Logger;
  modules?: readonly AgentModule[];
  /** Crash points for tests (event log writer). */
  faults?: WriterFaults;
  /**
   * Offline mode (`robot-id order apply`): no socket, no modules, and a decommissioned unit
   * is opened anyway so a recommission or scrap order can be recorded while the agent is stopped.
   */
  offline?: boolean;
  /** What the state lock names as its holder (default `agent`, or `order apply` offline). */
  lockHolder?: string;
}

function terminalStop(state: LifecycleState): StopRequest {
  return state === 'scrapped'
    ? { exitStatus: EXIT_STATUS.scrapped, reason: 'unit scrapped; every event delivered' }
    : { exitStatus: EXIT_STATUS.decommissioned, reason: 'unit decommissioned; every event delivered' };
}

function terminalRefusal(state: LifecycleState, code: string): AgentStartError {
  return state === 'scrapped'
    ? new AgentStartError('START_SCRAPPED', EXIT_STATUS.scrapped, `unit ${code} is scrapped; it never returns to service`)
    : new AgentStartError('START_DECOMMISSIONED', EXIT_STATUS.decommissioned, `unit ${code} is decommissioned; recommission it with a signed order (docs/operations.md)`);
}

/** The state lock, or undefined when the directory does not exist (the identity check refuses that). */
async function takeStateLock(stateDir: string, what: string): Promise<StateLock | undefined> {
  if (!existsSync(stateDir)) return undefined;
  try {
    return await lockStateDir(stateDir, what);
  } catch (err) {
    if (err instanceof StateLockedError) {
      throw new AgentStartError('START_STATE_LOCKED', EXIT_STATUS.stateLocked, `${err.message}; not started: one process per state directory`);
    }
    throw err;
  }
}

export async function startAgent(config: Readonly<AgentConfig>, options: StartOptions = {}): Promise<Agent> {
  const root = options.logger ?? createRootLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const cleanups: (() => void | Promise<void>)[] = [];
  const runCleanups = async (): Promise<void> => {
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        root.error({ err }, 'cleanup failed');
      }
    }
  };
  try {
    // Before anything in the directory is read or written: one process per state directory.
    const lock = await takeStateLock(config.stateDir, options.lockHolder ?? (options.offline ? 'order apply' : 'agent'));
    if (lock) cleanups.push(() => lock.release());
    // A scrapped unit whose key is already destroyed: never read as a missing identity.
    if (markedState(agentPath(config.stateDir, 'lifecycle')) === 'scrapped' && !existsSync(deviceKeyPath(config.stateDir))) {
      throw new AgentStartError('START_SCRAPPED', EXIT_STATUS.scrapped, `the unit of ${config.stateDir} is scrapped and its device key destroyed; it never returns to service`);
    }
    // A rekey staged before the last stop (or interrupted by a crash) is installed first.
    const rekeyInstalled = rollForward(config.stateDir);
    const { identity, signer, trust } = checkIdentity(config);
    const code = identity.code;
    const log = root.child({ code: code.code });
    if (rekeyInstalled) log.warn({ recordVersion: identity.record.recordVersion }, 'new device key and identity record installed');
    mkdirSync(agentPath(config.stateDir, 'quarantine'), { recursive: true, mode: 0o750 });
    const storage = new StorageHealth(log.child({ module: 'storage' }));
    const boot = nextBootCount(agentPath(config.stateDir, 'bootCount'));
    const bootCount = boot.bootCount;
    if (boot.unsaved) storage.addPendingWrite(boot.unsaved);
    const bootMono = clock.monotonicMs();

    // The log's newest time raises the floor before anything new is signed.
    const openedAt = performance.now();
    // What the platform's receipts confirmed: those seqs were signed, whatever the logs kept.
    const confirmedOnDisk = readCursor(agentPath(config.stateDir, 'outboxCursor'));
    const eventLog = await EventLog.open({
      path: agentPath(config.stateDir, 'eventLog'),
      quarantineDir: agentPath(config.stateDir, 'quarantine'),
      code: code.code,
      signer,
      maxBytes: config.maxLogBytes,
      reserveBytes: config.logReserveBytes,
      now: () => time.nowSeconds(),
      faults: options.faults,
      signingThread: config.signingThread === 'off' ? false : config.signingThread === 'always' ? { backlog: 0 } : { pays: threadPays() },
      checkpointPath: agentPath(config.stateDir, 'eventCheckpoint'),
      knownSeq: confirmedOnDisk.event,
    });
    cleanups.push(() => eventLog.close());
    const timeLog = log.child({ module: 'time' });
    const time = TimeFloor.open({
      path: agentPath(config.stateDir, 'timeFloor'),
      clock,
      atLeastMs: eventLog.lastTimeOnOpen * 1000,
      refuseClockBehindMs: config.refuseClockBehindMs,
      onBehind: (behindMs, floorMs) => timeLog.warn({ behindMs, floor: new Date(floorMs).toISOString() }, 'system clock behind the time floor; using the floor'),
    });
    if (time.behindAtBootMs > 0) timeLog.warn({ behindMs: time.behindAtBootMs }, 'system clock behind the time floor at boot; using the floor');
    const floorTimer = setInterval(() => {
      try {
        time.persist();
      } catch (err) {
        timeLog.error({ err }, 'time floor not persisted');
      }
    }, config.timeFloorPersistIntervalMs);
    floorTimer.unref();
    cleanups.push(() => {
      clearInterval(floorTimer);
      time.persist();
    });

    const logLog = log.child({ module: 'eventlog' });
    const rec = eventLog.recovery;
    // What opening the log cost: with a checkpoint, only the entries since it are decoded.
    logLog.info(
      { head: eventLog.head.seq, bytes: eventLog.bytes, entriesScanned: eventLog.scanned, checkedWhole: rec.trustedBytes === undefined, ms: Math.round(performance.now() - openedAt) },
      'event log opened',
    );
    if (rec.tornTail) logLog.warn({ offset: rec.tornTail.offset, bytes: rec.tornTail.size, afterSeq: rec.tornTail.afterSeq, quarantine: rec.tornTail.file }, 'torn tail cut off the event log');
    for (const d of rec.damaged) logLog.error({ offset: d.offset, bytes: d.size, afterSeq: d.afterSeq, beforeSeq: d.beforeSeq, quarantine: d.file }, 'damaged stretch quarantined from the event log');

    const ackLog = await FramedLog.open({
      path: agentPath(config.stateDir, 'ackLog'),
      quarantineDir: agentPath(config.stateDir, 'quarantine'),
      maxBytes: config.maxAckLogBytes,
      reserveBytes: 0,
      what: 'ack log',
    });
    cleanups.push(() => ackLog.close());
    // Acks the platform confirmed are stored there; a new ack never takes one of their seqs.
    if (confirmedOnDisk.ack > ackLog.head) {
      logLog.error({ head: ackLog.head, confirmed: confirmedOnDisk.ack }, 'ack log ends before acks the platform confirmed; their seqs are skipped');
      ackLog.skipThrough(confirmedOnDisk.ack);
    }
    if (ackLog.recovery.tornTail || ackLog.recovery.damaged.length) logLog.warn({ recovery: ackLog.recovery }, 'ack log recovered');
    const outbox = new DurableOutbox({ event: eventLog.store, ack: ackLog }, agentPath(config.stateDir, 'outboxCursor'), { ...confirmedOnDisk });
    // The cursor is written off the event loop: an orderly stop leaves the last one on disk.
    cleanups.push(() => outbox.settled());

    const lifecycle = Lifecycle.replay(eventLog.lifecycleEntries, agentPath(config.stateDir, 'lifecycle'));
    if (isTerminal(lifecycle.state) && outbox.depth() === 0 && !(options.offline && lifecycle.state === 'decommissioned')) {
      // Stopped after the final confirmation and before the key was gone: finish the scrapping.
      if (lifecycle.state === 'scrapped' && destroyKeyFile(deviceKeyPath(config.stateDir))) log.warn('unit scrapped: device key destroyed');
      throw terminalRefusal(lifecycle.state, code.code);
    }
    // Breaks are recorded once the unit is known to operate (a scrapped unit with nothing left
    // to deliver is refused above, whatever its log lost). On a full disk they wait in memory.
    const lostTail = eventLog.breaks.find((b) => b.reason === 'lost-entries');
    if (lostTail) logLog.error({ afterSeq: lostTail.afterSeq, beforeSeq: lostTail.beforeSeq }, 'event log ends before entries the unit signed; the lost range is recorded and its seqs skipped');
    const recordBreaks = async (): Promise<void> => {
      for (const b of await eventLog.recordBreaks()) logLog.error({ seq: b.seq }, 'chain break recorded');
    };
    try {
      await recordBreaks();
    } catch (err) {
      if (!(isRobotIdError(err) && err.code === 'EVENT_LOG_FULL')) throw err;
      logLog.error({ reason: err.code }, 'chain breaks not recorded yet: the state directory is full');
    }
    // The announcement of an installed rekey, co-signed by the old key, before anything else is signed.
    const announced = await announceRekey({ stateDir: config.stateDir, eventLog, identity, now: () => time.nowSeconds(), ackHead: ackLog.head });
    if (announced) logLog.warn({ seq: announced.seq, recordVersion: identity.record.recordVersion }, 'device key replaced: rekeyed event recorded, old key destroyed');
    storage.addSignal(() => eventLog.storageFull);
    storage.addSignal(() => ackLog.full);
    storage.addPendingWrite({ name: 'chain breaks', pending: () => eventLog.breaksUnrecorded > 0, retry: recordBreaks });
    storage.addPendingWrite({ name: 'outbox cursor', pending: () => outbox.unsaved, retry: () => outbox.retrySave() });
    storage.addPendingWrite({ name: 'lifecycle marker', pending: () => lifecycle.markerUnsaved, retry: () => lifecycle.retryMarker() });
    storage.addPendingWrite({ name: 'time floor', pending: () => time.unsaved, retry: () => time.persist() });
    storage.start();
    cleanups.push(() => storage.stop());

    let requestStop!: (r: StopRequest) => void;
    const stopRequested = new Promise<StopRequest>((resolve) => (requestStop = resolve));
    const checkDrained = (): void => {
      if (!isTerminal(lifecycle.state) || outbox.depth() > 0) return;
      // The final `scrapped` event is confirmed by the platform: the identity ends here.
      if (lifecycle.state === 'scrapped') {
        try {
          if (destroyKeyFile(deviceKeyPath(config.stateDir))) log.warn('unit scrapped and every event confirmed: device key destroyed');
        } catch (err) {
          log.error({ err }, 'device key not destroyed; the next start tries again');
        }
      }
      requestStop(terminalStop(lifecycle.state));
    };
    outbox.onConfirm(checkDrained);
    lifecycle.onChange((state) => {
      log.warn({ state }, 'lifecycle state changed');
      checkDrained();
    });

    const sections = new Map<string, () => unknown>();
    const router = new Router();
    const uptimeMs = (): number => clock.monotonicMs() - bootMono;
    const agent: Agent = {
      config,
      log,
      identity,
      code,
      signer,
      trust,
      bootCount,
      clock,
      time,
      eventLog,
      outbox,
      lifecycle,
      router,
      recovery: { eventLog: eventLog.recovery, ackLog: ackLog.recovery },
      storage,
      uptimeMs,
      stopRequested,
      requestStop: (r) => requestStop(r),
      submitEvent: async (req) => {
        try {
          return await submitEvent(
            {
              code,
              eventLog,
              lifecycle,
              trust,
              now: () => time.nowSeconds(),
              orderSkewSeconds: config.orderSkewSeconds,
              registrationRequired: config.registration === 'required',
              transferRule: () => heldTransferRule({ stateDir: config.stateDir, policyFile: config.recallPolicyFile, trust, country: code.country }),
            },
            req,
          );
        } finally {
          // Not a full disk (refused, the log goes on): a write that failed otherwise stops the log.
          const failure = eventLog.failure;
          if (failure) requestStop({ exitStatus: EXIT_STATUS.failure, reason: `event log write failed: ${failure.message}` });
        }
      },
      status: () => {
        const s: AgentStatus = {
          code: code.code,
          agentVersion: VERSION,
          firmwareVersion: config.firmwareVersion,
          lifecycle: lifecycle.state,
          registration: lifecycle.registration
            ? { state: 'held', region: lifecycle.registration.region, operator: lifecycle.registration.operator }
            : { state: config.registration === 'waived' ? 'waived' : 'none' },
          draining: isTerminal(lifecycle.state),
          bootCount,
          uptimeMs: Math.round(uptimeMs()),
          timeMs: time.nowMs(),
          clockBehindMs: Math.max(0, time.nowMs() - clock.nowMs()),
          storage: storage.state,
          ...(storage.state === 'full' ? { storageWaiting: storage.waiting } : {}),
          eventLog: { head: headHex(eventLog.head), bytes: eventLog.bytes, maxBytes: config.maxLogBytes },
          outbox: {
            depth: outbox.depth(),
            event: { head: outbox.head('event'), confirmed: outbox.confirmed('event') },
            ack: { head: outbox.head('ack'), confirmed: outbox.confirmed('ack') },
          },
          recovery: {
            tornTailBytes: rec.tornTail?.size ?? 0,
            damagedStretches: rec.damaged.length,
            chainBreaks: eventLog.breaks.length,
            entriesScanned: eventLog.scanned,
            ...(eventLog.checkpointError ? { checkpointError: eventLog.checkpointError.message } : {}),
          },
        };
        for (const [name, provider] of sections) s[name] = provider();
        return s;
      },
      addStatusSection: (name, provider) => {
        sections.set(name, provider);
      },
      onClose: (fn) => {
        cleanups.push(fn);
      },
      close: async () => {
        await runCleanups();
        log.info('agent stopped');
      },
    };

    registerRoutes(router, agent);
    if (options.offline) return agent;
    const api = await startApiServer({
      router,
      log: log.child({ module: 'api' }),
      socketPath: config.socketPath,
      socketGroup: config.socketGroup,
      page: pageHtml,
      pageBundle: () => readPageBundle(config.stateDir),
      tcp:
        config.apiTcpPort !== undefined && config.apiToken
          ? { port: config.apiTcpPort, host: config.apiTcpHost, token: config.apiToken, maxConnections: config.apiTcpMaxConnections, requestTimeoutMs: config.apiTcpRequestTimeoutMs }
          : undefined,
    });
    cleanups.push(() => api.close());

    for (const m of options.modules ?? defaultModules) {
      const started = await m.start(agent);
      if (started) cleanups.push(() => started.close());
      log.info({ module: m.name }, 'module started');
    }
    log.info(
      { lifecycle: lifecycle.state, bootCount, eventHead: eventLog.head.seq, outboxDepth: outbox.depth(), socket: config.socketPath },
      isTerminal(lifecycle.state) ? 'agent started (draining: delivering what is pending before stopping)' : 'agent started',
    );
    return agent;
  } catch (err) {
    await runCleanups();
    throw err;
  }
}
