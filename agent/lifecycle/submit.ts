/**
 * Submitting an event (the local API's POST /v1/events and `robot-id event add`). Checked in
 * the event log's serial section, so two submissions can never both pass against the same
 * state: kind, lifecycle transition, registration, order (docs/protocol.md §"Orders"), replay
 * of the order, resale. Resolves only once the event is durable.
 */
import {
  EVENT_NOTE_MAX,
  EVENT_TECHNICIAN_MAX,
  RECORD_EVENT_KINDS,
  TRANSITION_EVENTS,
  entersService,
  isEventKind,
  isRegistrationEvent,
  isRobotIdError,
  isSystemEventKind,
  isTerminal,
  isTransitionEvent,
  nextState,
  orderSubjectOf,
  requiresOrder,
  toHex,
  verifyOrder,
  type RobotCode,
  type TransferRule,
  type TrustStore,
  type VerifiedOrder,
} from '../../sdk/index.js';
import { EventRejectedError } from '../errors.js';
import type { EventLog, LoggedEvent } from '../eventlog/index.js';
import type { Lifecycle, Registration } from './lifecycle.js';

export interface EventRequest {
  kind: string;
  note?: string;
  technician?: string;
  /** A signed order, exactly as the authority produced it. */
  order?: Uint8Array;
}

export interface SubmitContext {
  code: RobotCode;
  eventLog: EventLog;
  lifecycle: Lifecycle;
  trust: TrustStore;
  /** Seconds since the epoch (the time floor). */
  now(): number;
  orderSkewSeconds: number;
  /** False only where configuration waives registration (a demo or a test; the heartbeat reports it). */
  registrationRequired: boolean;
  /** The root policy's rule for registering a used unit again. */
  transferRule(): TransferRule;
}

const SUBMITTABLE = [...RECORD_EVENT_KINDS, ...Object.keys(TRANSITION_EVENTS)];

function invalid(message: string): never {
  throw new EventRejectedError('EVENT_INVALID', message);
}

export function checkRequestShape(req: EventRequest): void {
  if (typeof req.kind !== 'string' || !isEventKind(req.kind) || isSystemEventKind(req.kind)) {
    invalid(`kind: expected one of ${SUBMITTABLE.join(', ')}, got ${JSON.stringify(req.kind)}`);
  }
  if (req.note !== undefined && (typeof req.note !== 'string' || req.note.length > EVENT_NOTE_MAX)) invalid(`note: expected text of at most ${EVENT_NOTE_MAX} characters`);
  if (req.technician !== undefined && (typeof req.technician !== 'string' || req.technician.length === 0 || req.technician.length > EVENT_TECHNICIAN_MAX)) {
    invalid(`technician: expected an identifier of 1..${EVENT_TECHNICIAN_MAX} characters`);
  }
  if (req.order !== undefined && !requiresOrder(req.kind)) {
    invalid(`an order goes only with decommissioned, recommissioned, scrapped, registered or ownership-change, not ${req.kind}`);
  }
}

/** A registration refused by the transfer rule: recorded in the log, then reported. */
class ResaleRefused extends Error {}

export async function submitEvent(ctx: SubmitContext, req: EventRequest): Promise<LoggedEvent> {
  checkRequestShape(req);
  const kind = req.kind as Parameters<EventLog['append']>[0]['kind'];
  let verified: VerifiedOrder | undefined;
  let registration: Registration | undefined;
  const check = (): void => {
    const state = ctx.lifecycle.pendingState;
    if (isTransitionEvent(kind)) {
      if (!nextState(state, kind)) {
        // The common mistake on a new unit: work recorded before it entered service.
        const hint = state === 'manufactured' && kind.startsWith('maintenance-') ? '; commission it first (event add --kind commissioned)' : '';
        throw new EventRejectedError('LIFECYCLE_TRANSITION', `${kind} is not allowed from ${state} (docs/protocol.md §"Lifecycle")${hint}`);
      }
      if (entersService(kind) && ctx.registrationRequired && !ctx.lifecycle.registration) {
        throw new EventRejectedError(
          'REGISTRATION_REQUIRED',
          `${kind}: the unit holds no registration, and no unit enters service unregistered; the platform signs one (robot-id order sign --transition registered) and the unit records it (event add --kind registered --order <file>)`,
        );
      }
    } else if (isTerminal(state)) {
      throw new EventRejectedError('LIFECYCLE_TRANSITION', `the unit is ${state}: it records no more ${kind} events`);
    }
    if (requiresOrder(kind)) {
      if (!req.order) {
        const who = isRegistrationEvent(kind) ? 'a registration order signed by the platform (robot-id order sign --transition registered)' : "an order signed by the unit's enterprise or the platform (robot-id order sign)";
        throw new EventRejectedError('ORDER_REQUIRED', `${kind} needs ${who}`);
      }
      try {
        verified = verifyOrder(req.order, ctx.trust, {
          code: ctx.code.code,
          enterprise: ctx.code.enterprise,
          transition: orderSubjectOf(kind),
          now: ctx.now(),
          skewSeconds: ctx.orderSkewSeconds,
        });
      } catch (err) {
        throw new EventRejectedError('ORDER_INVALID', (err as Error).message, { cause: err });
      }
      if (ctx.lifecycle.isOrderUsed(verified.order.orderId)) throw new EventRejectedError('ORDER_REPLAYED', 'order: already applied to this unit; an order is used once');
    }
    if (isRegistrationEvent(kind) && verified) {
      if (ctx.lifecycle.registration && ctx.lifecycle.everInService) {
        const rule = ctx.transferRule();
        if (rule === 'forbidden') throw new ResaleRefused(`the unit has been in service and is registered: the root's policy forbids registering a used unit again (transfers: forbidden)`);
        if (verified.issuer.certificate.subjectKind !== 'platform') throw new ResaleRefused(`the root's policy lets only the platform register a used unit again (transfers: platform-only)`);
      }
      const o = verified.order;
      registration = { seq: 0, operator: toHex(o.operator!), region: o.region!, orderId: toHex(o.orderId) };
    }
  };
  let logged: LoggedEvent;
  try {
    logged = await ctx.eventLog.append(
      { kind, note: req.note, technician: req.technician, order: req.order },
      {
        reserve: req.order !== undefined,
        check,
        onQueued: (queued) => {
          if (isTransitionEvent(kind)) ctx.lifecycle.queued(kind, verified?.order.orderId);
          if (registration) ctx.lifecycle.registered((registration = { ...registration, seq: queued.seq }));
        },
      },
    );
  } catch (err) {
    if (err instanceof ResaleRefused) return recordRefusal(ctx, req, err.message);
    // A full disk refused everything queued: transitions queued with it never happened.
    if (isRobotIdError(err) && err.code === 'EVENT_LOG_FULL') ctx.lifecycle.forgetQueued();
    throw err;
  }
  if (isTransitionEvent(kind)) ctx.lifecycle.applied(kind, logged.seq, verified?.order.orderId);
  if (registration) ctx.lifecycle.registrationApplied(registration);
  return logged;
}

/**
 * A resale attempt leaves a trace the platform sees: a signed `registration-refused` entry
 * carrying the refused order. Only then is the submission answered RESALE_FORBIDDEN.
 */
async function recordRefusal(ctx: SubmitContext, req: EventRequest, why: string): Promise<never> {
  await ctx.eventLog.append({ kind: 'registration-refused', note: why, technician: req.technician, order: req.order }, { reserve: true });
  throw new EventRejectedError('RESALE_FORBIDDEN', why);
}
