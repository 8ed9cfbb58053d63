/** The rate limit of the public presentation route (anyone may post there), enforced per client address by the auth layer's limiter. */

/** Submissions of presentations one client address may post per minute (the route is public). */
export const PRESENTATIONS_PER_IP_PER_MINUTE = 30;
/** The rate limit's window. */
export const PRESENTATIONS_RATE_WINDOW_MS = 60_000;
