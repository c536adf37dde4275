/** Pool limits. The defaults are httpx's. */
export interface Limits {
  /** Connections open at once, across all origins (connecting, idle and busy). */
  readonly maxConnections: number;
  /** Connections open at once to one origin. */
  readonly maxConnectionsPerHost: number;
  /** Idle connections kept for reuse, across all origins. Busy ones do not count. */
  readonly maxKeepAliveConnections: number;
  /** How long an idle connection is kept, in ms. */
  readonly keepAliveExpiry: number;
}

export type LimitsInit = Partial<Limits>;

export const DEFAULT_LIMITS: Limits = {
  maxConnections: 100,
  maxConnectionsPerHost: 100,
  maxKeepAliveConnections: 20,
  keepAliveExpiry: 5000,
};

export function resolveLimits(init: LimitsInit = {}): Limits {
  const maxConnections = init.maxConnections ?? DEFAULT_LIMITS.maxConnections;
  const limits: Limits = {
    maxConnections,
    maxConnectionsPerHost: init.maxConnectionsPerHost ?? maxConnections,
    maxKeepAliveConnections: init.maxKeepAliveConnections ?? DEFAULT_LIMITS.maxKeepAliveConnections,
    keepAliveExpiry: init.keepAliveExpiry ?? DEFAULT_LIMITS.keepAliveExpiry,
  };
  for (const [name, value] of Object.entries(limits)) {
    const min = name === "maxConnections" || name === "maxConnectionsPerHost" ? 1 : 0;
    if (!(value >= min) || (Number.isFinite(value) && !Number.isInteger(value) && name !== "keepAliveExpiry")) {
      throw new RangeError(`limits.${name} must be a whole number >= ${min}, got ${value}`);
    }
  }
  return limits;
}

/** `value` if it is a whole number >= `min`, else a RangeError naming the option. */
export function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number >= ${min}, got ${value}`);
  return value;
}
