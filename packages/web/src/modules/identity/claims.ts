/**
 * A claim's value as the wallet and the desk show it. Its own file so the desk's page does not load the wallet's
 * (and with it @sd-jwt and the holder keys, which only a holder needs).
 */
export function claimValue(v: unknown): string {
  return typeof v === 'boolean' ? (v ? '✓' : '✗') : String(v);
}
