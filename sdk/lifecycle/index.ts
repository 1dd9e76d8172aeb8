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
 *
 * Registration ("no code, no market access") is not a state but a condition: a unit enters
 * service (commissioned, recommissioned) only while it holds a registration, recorded by a
 * `registered` event carrying an order with the registration.issue role. A later registration
 * (a change of operator, `registered` or `ownership-change`) of a unit that has been in service
 * is a resale: the root's policy decides whether it is allowed (TRANSFER_RULES).
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

/** Event kinds that register the unit to an operator; each takes a registration order. */
export const REGISTRATION_EVENTS = ['registered', 'ownership-change'] as const;
export type RegistrationEvent = (typeof REGISTRATION_EVENTS)[number];

/** What an order may order (its `transition` field): a lifecycle transition or a registration. */
export const ORDER_SUBJECTS = [...ORDER_TRANSITIONS, 'registered'] as const;
export type OrderSubject = (typeof ORDER_SUBJECTS)[number];

/**
 * What the root's policy allows for a unit that has been in service and is registered again:
 * `forbidden` (the scheme's rule for used units; the default), or `platform-only` (a new
 * registration order from the platform transfers it).
 */
export const TRANSFER_RULES = ['forbidden', 'platform-only'] as const;
export type TransferRule = (typeof TRANSFER_RULES)[number];
export const DEFAULT_TRANSFER_RULE: TransferRule = 'forbidden';

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

export function isRegistrationEvent(kind: string): kind is RegistrationEvent {
  return (REGISTRATION_EVENTS as readonly string[]).includes(kind);
}

export function requiresOrder(kind: string): kind is OrderTransition | RegistrationEvent {
  return (ORDER_TRANSITIONS as readonly string[]).includes(kind) || isRegistrationEvent(kind);
}

/** The order an event kind takes (its `transition`): a registration event takes a `registered` order. */
export function orderSubjectOf(kind: OrderTransition | RegistrationEvent): OrderSubject {
  return isRegistrationEvent(kind) ? 'registered' : kind;
}

/** Transitions that put the unit into service: they need a registration. */
export function entersService(kind: string): boolean {
  return kind === 'commissioned' || kind === 'recommissioned';
}

/** The state after `kind`, or undefined when `kind` is not allowed from `from`. */
export function nextState(from: LifecycleState, kind: TransitionEvent): LifecycleState | undefined {
  return ALLOWED_TRANSITIONS[from].includes(kind) ? TRANSITION_EVENTS[kind] : undefined;
}

/** States in which the agent does not operate (docs/operations.md, exit statuses 13 and 16). */
export function isTerminal(state: LifecycleState): boolean {
  return state === 'decommissioned' || state === 'scrapped';
}
