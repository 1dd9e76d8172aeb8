/**
 * The MQTT topic tree (docs/protocol.md §"Topics"). Every topic is built here and nowhere
 * else. Everything that matters is inside signed payloads; topics only route, and the broker
 * ACL (docs/broker.md) confines who may publish where.
 *
 *   rid/v1/u/{code}/identity          retained: the unit's signed identity record     (unit)
 *   rid/v1/u/{code}/birth             signed birth with birth sequence                (unit)
 *   rid/v1/u/{code}/death             the MQTT Will: signed death, same birth seq     (unit)
 *   rid/v1/u/{code}/offline           signed clean offline on orderly shutdown        (unit)
 *   rid/v1/u/{code}/hb                signed heartbeat                                (unit)
 *   rid/v1/u/{code}/evt               signed event-log entry                          (unit)
 *   rid/v1/u/{code}/ack               signed recall acknowledgement                   (unit)
 *   rid/v1/u/{code}/receipt           signed receipt confirming what was stored       (platform)
 *   rid/v1/recall/{scope}/{recallId}  retained: one recall notice per topic           (platform)
 *   rid/v1/index/{scope}              retained: the signed recall index of a scope    (platform)
 *
 * {scope} is one of: `c/{country}`, `e/{enterprise}`, `m/{enterprise}/{model}`, `u/{code}`.
 * Codes, enterprise and model segments are the canonical upper-case characters of the code
 * (0-9, A-Z), so they never contain MQTT wildcards or separators.
 */
export const TOPIC_ROOT = 'rid/v1';

export type UnitChannel = 'identity' | 'birth' | 'death' | 'offline' | 'hb' | 'evt' | 'ack' | 'receipt';

const SAFE = /^[0-9A-Z]+$/;
const SAFE_ID = /^[0-9A-Za-z._-]{1,64}$/;

function seg(value: string, what: string, re = SAFE): string {
  if (!re.test(value)) throw new RangeError(`${what}: expected ${re === SAFE ? '0-9/A-Z' : '0-9/A-Z/a-z/._-'} only, got ${JSON.stringify(value)}`);
  return value;
}

export function unitTopic(code: string, channel: UnitChannel): string {
  return `${TOPIC_ROOT}/u/${seg(code, 'code')}/${channel}`;
}

/** Subscription filter for one channel of every unit (the fleet ingest). */
export function fleetFilter(channel: UnitChannel | '+'): string {
  return `${TOPIC_ROOT}/u/+/${channel}`;
}

export type RecallScope =
  | { kind: 'country'; country: string }
  | { kind: 'enterprise'; enterprise: string }
  | { kind: 'model'; enterprise: string; model: string }
  | { kind: 'unit'; code: string };

export function scopePath(scope: RecallScope): string {
  switch (scope.kind) {
    case 'country':
      return `c/${seg(scope.country, 'country')}`;
    case 'enterprise':
      return `e/${seg(scope.enterprise, 'enterprise')}`;
    case 'model':
      return `m/${seg(scope.enterprise, 'enterprise')}/${seg(scope.model, 'model')}`;
    case 'unit':
      return `u/${seg(scope.code, 'code')}`;
  }
}

/** The scopes a unit listens on, broadest first. */
export function scopesOfUnit(code: { code: string; country: string; enterprise: string; model: string }): RecallScope[] {
  return [
    { kind: 'country', country: code.country },
    { kind: 'enterprise', enterprise: code.enterprise },
    { kind: 'model', enterprise: code.enterprise, model: code.model },
    { kind: 'unit', code: code.code },
  ];
}

export function recallTopic(scope: RecallScope, recallId: string): string {
  return `${TOPIC_ROOT}/recall/${scopePath(scope)}/${seg(recallId, 'recall id', SAFE_ID)}`;
}

export function recallFilter(scope: RecallScope): string {
  return `${TOPIC_ROOT}/recall/${scopePath(scope)}/+`;
}

export function indexTopic(scope: RecallScope): string {
  return `${TOPIC_ROOT}/index/${scopePath(scope)}`;
}

/** Splits a unit topic into code and channel; undefined when it is not one. */
export function parseUnitTopic(topic: string): { code: string; channel: UnitChannel } | undefined {
  const m = /^rid\/v1\/u\/([0-9A-Z]+)\/(identity|birth|death|offline|hb|evt|ack|receipt)$/.exec(topic);
  return m ? { code: m[1]!, channel: m[2] as UnitChannel } : undefined;
}
