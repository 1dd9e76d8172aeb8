/**
 * The unit's lifecycle state (sdk lifecycle table; docs/protocol.md §"Lifecycle"), derived
 * from the event log on boot and kept in a small marker file as well, so losing the log can
 * never bring a scrapped unit back: scrapped in either is scrapped. Beside the state: the
 * registration the unit holds and whether it has ever been in service (a second registration
 * after that is a resale), both replayed from the log.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  INITIAL_STATE,
  LIFECYCLE_STATES,
  TRANSITION_EVENTS,
  isRegistrationEvent,
  isTransitionEvent,
  openSign1,
  orderKind,
  toHex,
  type LifecycleState,
  type Order,
  type TransitionEvent,
} from '../../sdk/index.js';
import { RetriedFile } from '../storage-health/retried-file.js';
import type { EntrySummary } from '../eventlog/index.js';

interface Marker {
  state: LifecycleState;
  seq: number;
}

/** The registration a unit holds: from the order of its latest `registered` or `ownership-change` event. */
export interface Registration {
  seq: number;
  /** The pseudonymous operator (hex). */
  operator: string;
  region: string;
  orderId: string;
}

export class Lifecycle {
  private durable: LifecycleState;
  private pending: LifecycleState;
  private readonly usedOrders = new Set<string>();
  private readonly listeners = new Set<(state: LifecycleState) => void>();
  /** Orders of transitions queued and not yet durable (forgotten if the log refuses them). */
  private readonly queuedOrders = new Set<string>();
  private readonly marker: RetriedFile;
  private held: Registration | undefined;
  private inService = false;
  /** What the durable log says, for forgetQueued. */
  private durableHeld: Registration | undefined;
  private durableInService = false;

  private constructor(
    markerPath: string,
    state: LifecycleState,
    private lastSeq: number,
  ) {
    this.durable = state;
    this.pending = state;
    this.marker = new RetriedFile(markerPath, () => JSON.stringify({ state: this.durable, seq: this.lastSeq }) + '\n');
  }

  /** Replays the transitions of the log, then applies the marker (docs/operations.md). */
  static replay(entries: readonly EntrySummary[], markerPath: string): Lifecycle {
    let state: LifecycleState = INITIAL_STATE;
    let seq = 0;
    let registration: Registration | undefined;
    let inService = false;
    const orders: string[] = [];
    for (const e of entries) {
      // A refused registration's order was never applied: it is not used up.
      const order = e.order && e.kind !== 'registration-refused' ? decodeOrder(e.order) : undefined;
      if (order) orders.push(toHex(order.orderId));
      if (isRegistrationEvent(e.kind) && order?.operator && order.region) {
        registration = { seq: e.seq, operator: toHex(order.operator), region: order.region, orderId: toHex(order.orderId) };
      }
      if (!isTransitionEvent(e.kind) || state === 'scrapped') continue;
      state = TRANSITION_EVENTS[e.kind];
      seq = e.seq;
      if (state === 'in-service') inService = true;
    }
    const marker = readMarker(markerPath);
    if (marker && (marker.state === 'scrapped' || marker.seq > seq)) {
      state = marker.state;
      seq = Math.max(seq, marker.seq);
    }
    const lc = new Lifecycle(markerPath, state, seq);
    orders.forEach((o) => lc.usedOrders.add(o));
    lc.held = lc.durableHeld = registration;
    lc.inService = lc.durableInService = inService || state === 'in-service' || state === 'under-maintenance';
    return lc;
  }

  /** The registration the unit holds (durable or queued), if any. */
  get registration(): Registration | undefined {
    return this.held;
  }

  /** Whether the unit has ever entered service: registering it again is then a resale. */
  get everInService(): boolean {
    return this.inService;
  }

  /** Called in the log's serial section when a registration event is queued. */
  registered(r: Registration): void {
    this.held = r;
    this.usedOrders.add(r.orderId);
    this.queuedOrders.add(r.orderId);
  }

  /** Called once a registration event is durable. */
  registrationApplied(r: Registration): void {
    this.queuedOrders.delete(r.orderId);
    this.durableHeld = r;
  }

  /** The state of the durable log. */
  get state(): LifecycleState {
    return this.durable;
  }

  /** The state once every queued event is durable (what new submissions are checked against). */
  get pendingState(): LifecycleState {
    return this.pending;
  }

  isOrderUsed(orderId: Uint8Array): boolean {
    return this.usedOrders.has(toHex(orderId));
  }

  /** Called in the log's serial section when a transition event is queued. */
  queued(kind: TransitionEvent, orderId?: Uint8Array): void {
    if (this.pending !== 'scrapped') this.pending = TRANSITION_EVENTS[kind];
    if (this.pending === 'in-service') this.inService = true;
    if (orderId) {
      this.usedOrders.add(toHex(orderId));
      this.queuedOrders.add(toHex(orderId));
    }
  }

  /**
   * The log refused what was queued (a full disk): the state to check against is the durable
   * one again, and orders that were queued but never became durable may be applied again.
   */
  forgetQueued(): void {
    this.pending = this.durable;
    this.held = this.durableHeld;
    this.inService = this.durableInService;
    for (const id of this.queuedOrders) this.usedOrders.delete(id);
    this.queuedOrders.clear();
  }

  /** Called once a transition event is durable: persists the marker, tells listeners. */
  applied(kind: TransitionEvent, seq: number, orderId?: Uint8Array): void {
    if (orderId) this.queuedOrders.delete(toHex(orderId));
    if (this.durable === 'scrapped') return;
    this.durable = TRANSITION_EVENTS[kind];
    if (this.durable === 'in-service') this.durableInService = true;
    this.lastSeq = seq;
    // The marker is a safeguard beside the log, which holds the transition durably: on a full
    // disk it is written again later (retryMarker, StorageHealth).
    this.marker.save();
    for (const l of this.listeners) l(this.durable);
  }

  /** True while the marker on disk is behind the durable state. */
  get markerUnsaved(): boolean {
    return this.marker.unsaved;
  }

  retryMarker(): void {
    this.marker.retry();
  }

  onChange(listener: (state: LifecycleState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function decodeOrder(bytes: Uint8Array): Order | undefined {
  try {
    return openSign1(orderKind, bytes).value;
  } catch {
    // An order the agent accepted always decodes; one that does not was never accepted.
    return undefined;
  }
}

/** The state the marker file records, if it is readable (scrapped before the key is even read). */
export function markedState(path: string): LifecycleState | undefined {
  return readMarker(path)?.state;
}

function readMarker(path: string): Marker | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Marker>;
    if (typeof m.state === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(m.state) && typeof m.seq === 'number') return m as Marker;
  } catch {
    // Fall through: an unreadable marker adds nothing to what the log says.
  }
  return undefined;
}
