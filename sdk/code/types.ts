/** A parsed robot code: the canonical 29 characters and its four segments. Always frozen. */
export interface RobotCode {
  /** Canonical form: 29 characters, upper case, no separators. */
  readonly code: string;
  /** Positions 1-2. */
  readonly country: string;
  /** Positions 3-6. */
  readonly enterprise: string;
  /** Positions 7-12. */
  readonly model: string;
  /** Positions 13-29, including the check character(s) at its end when the scheme has them. */
  readonly serial: string;
}
