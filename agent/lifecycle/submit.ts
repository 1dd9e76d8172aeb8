/**
 * Submitting an event (the local API's POST /v1/events and `robot-id event add`). Checked in
 * the event log's serial section, so two submissions can never both pass against the same
 * state: kind, lifecycle transition, order (docs/protocol.md §"Orders"), replay of the order.
 * Resolves only once the event is durable.
 */
import {
  EVENT_NOTE_MAX,
  EVENT_TECHNICIAN_MAX,
  RECORD_EVENT_KINDS,
  isEventKind,
  isRobotIdError,
  isTerminal,
  isTransitionEvent,
  nextState,
  requiresOrder,
  verifyOrder,
  type RobotCode,
  type TrustStore,
  type VerifiedOrder,
} from '../../sdk/index.js';
import { EventRejectedError } from '../errors.js';
import type { EventLog, LoggedEvent } from '../eventlog/index.js';
import type { Lifecycle } from './lifecycle.js';

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
}

function invalid(message: string): never {
  throw new EventRejectedError('EVENT_INVALID', message);
}

export function checkRequestShape(req: EventRequest): void {
  if (typeof req.kind !== 'string' || !isEventKind(req.kind) || req.kind === 'chain-break') {
    invalid(`kind: expected one of ${[...RECORD_EVENT_KINDS, 'commissioned', 'maintenance-started', 'maintenance-finished', 'decommissioned', 'recommissioned', 'scrapped'].join(', ')}, got ${JSON.stringify(req.kind)}`);
  }
  if (req.note !== undefined && (typeof req.note !== 'string' || req.note.length > EVENT_NOTE_MAX)) invalid(`note: expected text of at most ${EVENT_NOTE_MAX} characters`);
  if (req.technician !== undefined && (typeof req.technician !== 'string' || req.technician.length === 0 || req.technician.length > EVENT_TECHNICIAN_MAX)) {
    invalid(`technician: expected an identifier of 1..${EVENT_TECHNICIAN_MAX} characters`);
  }
  if (req.order !== undefined && !requiresOrder(req.kind)) invalid(`an order goes only with decommissioned, recommissioned or scrapped, not ${req.kind}`);
}

export async function submitEvent(ctx: SubmitContext, req: EventRequest): Promise<LoggedEvent> {
  checkRequestShape(req);
  const kind = req.kind as Parameters<EventLog['append']>[0]['kind'];
  let verified: VerifiedOrder | undefined;
  const check = (): void => {
    const state = ctx.lifecycle.pendingState;
    if (isTransitionEvent(kind)) {
      if (!nextState(state, kind)) {
        // The common mistake on a new unit: work recorded before it entered service.
        const hint = state === 'manufactured' && kind.startsWith('maintenance-') ? '; commission it first (event add --kind commissioned)' : '';
        throw new EventRejectedError('LIFECYCLE_TRANSITION', `${kind} is not allowed from ${state} (docs/protocol.md §"Lifecycle")${hint}`);
      }
    } else if (isTerminal(state)) {
      throw new EventRejectedError('LIFECYCLE_TRANSITION', `the unit is ${state}: it records no more ${kind} events`);
    }
    if (requiresOrder(kind)) {
      if (!req.order) throw new EventRejectedError('ORDER_REQUIRED', `${kind} needs an order signed by the unit's enterprise or the platform (robot-id order sign)`);
      try {
        verified = verifyOrder(req.order, ctx.trust, {
          code: ctx.code.code,
          enterprise: ctx.code.enterprise,
          transition: kind,
          now: ctx.now(),
          skewSeconds: ctx.orderSkewSeconds,
        });
      } catch (err) {
        throw new EventRejectedError('ORDER_INVALID', (err as Error).message, { cause: err });
      }
      if (ctx.lifecycle.isOrderUsed(verified.order.orderId)) throw new EventRejectedError('ORDER_REPLAYED', 'order: already applied to this unit; an order is used once');
    }
  };
  let logged: LoggedEvent;
  try {
    logged = await ctx.eventLog.append(
      { kind, note: req.note, technician: req.technician, order: req.order },
      {
        reserve: req.order !== undefined,
        check,
        onQueued: () => {
          if (isTransitionEvent(kind)) ctx.lifecycle.queued(kind, verified?.order.orderId);
        },
      },
    );
  } catch (err) {
    // A full disk refused everything queued: transitions queued with it never happened.
    if (isRobotIdError(err) && err.code === 'EVENT_LOG_FULL') ctx.lifecycle.forgetQueued();
    throw err;
  }
  if (isTransitionEvent(kind)) ctx.lifecycle.applied(kind, logged.seq, verified?.order.orderId);
  return logged;
}
