/**
 * Who finds the funds pages (the API decides what anyone may do; this only shows the way). A programme names its
 * communities, reviewer, treasury and bank, which the page reads once signed in; the menu, drawn before, knows the
 * organisations that take part in the demo's programmes: the street office (the community desk and its residents),
 * civil affairs (owner and reviewer), the finance bureau (treasury) and the agent bank. The police and the other
 * departments see no funds menu.
 */
import type { UserView } from '@machi/core';

/** The treasury and the paying bank: they have nothing else to do here and land on the funds desk. */
export const FUNDS_ONLY_ORGS: readonly string[] = ['finance-bureau', 'agent-bank'];
/** Every organisation with a part in the demo's programmes. */
export const FUNDS_ORGS: readonly string[] = ['street-office', 'civil-affairs', ...FUNDS_ONLY_ORGS];

export const isFundsOnly = (u: UserView): boolean => FUNDS_ONLY_ORGS.includes(u.org);
export const takesPart = (u: UserView): boolean => FUNDS_ORGS.includes(u.org);
