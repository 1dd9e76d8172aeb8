/**
 * The lifecycle state machine of a unit (docs/protocol.md §"Lifecycle"). The allowed
 * transitions are protocol: the agent enforces them and a verifier replaying a unit's event
 * log checks them with the same table.
 *
 *   manufactured ──commissioned──▶ in-service ◀──maintenance-finished── under-maintenance
 *        │                            │  └──────maintenance-started──────────▶ │
 *        │ (order)                    │ (order)                                 │ (order)
 *        ▼                            ▼                                         ▼
 *   decommissioned ◀──────────────────┴─────────────────────────────────────────┘
 *        │ (order: recommissioned) ──▶ in-service
 *        │ (order)
 *        ▼
 *     scrapped   (terminal: nothing leaves it)
 *
 * A unit may also be scrapped straight from manufactured, in-service or under-maintenance
 * with an order. Decommissioning, recommissioning and scrapping take an order signed by the
 * unit's enterprise or a platform key with the order.issue role.
 */
export const LIFECYCLE_STATES = ['manufactured', 'in-service', 'under-maintenance', 'decommissioned', 'scrapped'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** Event kinds that move the state machine, with the state they lead to. */
export const TRANSITION_EVENTS = {
  commissioned: 'in-service',
  'maintenance-started': 'under-maintenance',
  'maintenance-finished': 'in-service',
  decommissioned: 'decommissioned',
  recommissioned: 'in-service',
  scrapped: 'scrapped',
} as const satisfies Record<string, LifecycleState>;

export type TransitionEvent = keyof typeof TRANSITION_EVENTS;

/** Transition kinds that need a signed order, and the order's `transition` value. */
export const ORDER_TRANSITIONS = ['decommissioned', 'recommissioned', 'scrapped'] as const;
export type OrderTransition = (typeof ORDER_TRANSITIONS)[number];

/** From each state, the transition events allowed. */
export const ALLOWED_TRANSITIONS: Readonly<Record<LifecycleState, readonly TransitionEvent[]>> = {
  manufactured: ['commissioned', 'decommissioned', 'scrapped'],
  'in-service': ['maintenance-started', 'decommissioned', 'scrapped'],
  'under-maintenance': ['maintenance-finished', 'decommissioned', 'scrapped'],
  decommissioned: ['recommissioned', 'scrapped'],
  scrapped: [],
};

export const INITIAL_STATE: LifecycleState = 'manufactured';

export function isTransitionEvent(kind: string): kind is TransitionEvent {
  return Object.hasOwn(TRANSITION_EVENTS, kind);
}

export function requiresOrder(kind: string): kind is OrderTransition {
  return (ORDER_TRANSITIONS as readonly string[]).includes(kind);
}

/** The state after `kind`, or undefined when `kind` is not allowed from `from`. */
export function nextState(from: LifecycleState, kind: TransitionEvent): LifecycleState | undefined {
  return ALLOWED_TRANSITIONS[from].includes(kind) ? TRANSITION_EVENTS[kind] : undefined;
}

/** States in which the agent does not operate (docs/operations.md, exit statuses 13 and 16). */
export function isTerminal(state: LifecycleState): boolean {
  return state === 'decommissioned' || state === 'scrapped';
}
