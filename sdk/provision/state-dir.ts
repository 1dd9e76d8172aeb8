/**
 * The robot's state directory as `robot-id provision` writes it and the agent reads it.
 * The layout carries a version (layout.json) so a later agent can migrate it.
 *   layout.json        { "layout": 1, "code": "<canonical code>" }
 *   identity.cose      the signed identity record
 *   label.cose         the signed label printed on the unit as a QR code (docs/protocol.md §"Label payload")
 *   device.key         the device's PKCS#8 private key, mode 0600
 *   trust.json         the trust store the unit was provisioned under
 *   registration.json  the registration record for the platform's registry
 * The agent adds its own files and folders (event log, outbox, recall store, time floor,
 * socket) beside these; see docs/operations.md.
 */
export const STATE_LAYOUT_VERSION = 1;

export const STATE_FILES = {
  layout: 'layout.json',
  identity: 'identity.cose',
  label: 'label.cose',
  deviceKey: 'device.key',
  trust: 'trust.json',
  registration: 'registration.json',
} as const;

export interface StateLayout {
  layout: number;
  code: string;
}
