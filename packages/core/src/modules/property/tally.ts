/**
 * The owners' vote tally (Civil Code art. 278), in exact rational arithmetic: every comparison is a cross-multiplication
 * of BigInts, so "exactly 2/3" is exactly 2/3. docs/spec/property.md#tally
 *
 * - participation: owners holding at least 2/3 of the area AND at least 2/3 of the owners took part;
 * - ordinary matters: more than 1/2 of the participating area AND of the participating owners said yes;
 * - special matters (raising the fund, rebuilding, changing use of common parts, using them for business): at least
 *   3/4 of the participating area AND of the participating owners said yes.
 *
 * An owner with several units counts once as an owner, with the area of all their units summed; one owner casts one
 * choice (a ballot of another choice for their other unit is refused).
 */
import { isSpecialMatter, type BallotChoice, type TallyResult, type VoteCounts, type VoteMatter } from './types.js';

/** `num/den` in lowest terms (den 0 → `0/0`). */
export function fraction(num: number, den: number): string {
  if (den === 0) return '0/0';
  let a = BigInt(num);
  let b = BigInt(den);
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  if (x !== 0n) {
    a /= x;
    b /= x;
  }
  return `${a}/${b}`;
}

/** num/den ≥ p/q, exactly. den 0 is never ≥ anything positive. */
export const atLeast = (num: number, den: number, p: bigint, q: bigint): boolean => den > 0 && BigInt(num) * q >= BigInt(den) * p;
/** num/den > p/q, exactly. */
export const moreThan = (num: number, den: number, p: bigint, q: bigint): boolean => den > 0 && BigInt(num) * q > BigInt(den) * p;

/** The tally of a vote's counts against its denominators. */
export function tally(matter: VoteMatter, counts: VoteCounts, totalAreaDm2: number, totalOwners: number): TallyResult {
  const special = isSpecialMatter(matter);
  const participated = atLeast(counts.partAreaDm2, totalAreaDm2, 2n, 3n) && atLeast(counts.partOwners, totalOwners, 2n, 3n);
  const majority = special
    ? atLeast(counts.yesAreaDm2, counts.partAreaDm2, 3n, 4n) && atLeast(counts.yesOwners, counts.partOwners, 3n, 4n)
    : moreThan(counts.yesAreaDm2, counts.partAreaDm2, 1n, 2n) && moreThan(counts.yesOwners, counts.partOwners, 1n, 2n);
  return {
    outcome: !participated ? 'failed-participation' : majority ? 'passed' : 'failed-majority',
    special,
    participationArea: fraction(counts.partAreaDm2, totalAreaDm2),
    participationOwners: fraction(counts.partOwners, totalOwners),
    yesArea: fraction(counts.yesAreaDm2, counts.partAreaDm2),
    yesOwners: fraction(counts.yesOwners, counts.partOwners),
  };
}

export const EMPTY_COUNTS: VoteCounts = { ballots: 0, partAreaDm2: 0, partOwners: 0, yesAreaDm2: 0, yesOwners: 0, noAreaDm2: 0, noOwners: 0 };

/**
 * The counts after one more ballot: `firstOfOwner` says whether the owner had no ballot in this vote yet (they then
 * count as one more participating owner, and one more yes/no owner).
 */
export function addBallot(c: VoteCounts, choice: BallotChoice, areaDm2: number, firstOfOwner: boolean): VoteCounts {
  const o = firstOfOwner ? 1 : 0;
  return {
    ballots: c.ballots + 1,
    partAreaDm2: c.partAreaDm2 + areaDm2,
    partOwners: c.partOwners + o,
    yesAreaDm2: c.yesAreaDm2 + (choice === 'yes' ? areaDm2 : 0),
    yesOwners: c.yesOwners + (choice === 'yes' ? o : 0),
    noAreaDm2: c.noAreaDm2 + (choice === 'no' ? areaDm2 : 0),
    noOwners: c.noOwners + (choice === 'no' ? o : 0),
  };
}

/** The counts of a list of ballots (what an owner re-computes from the published ballots to check the record). */
export function countBallots(ballots: readonly { owner: string; choice: BallotChoice; areaDm2: number }[]): VoteCounts {
  const seen = new Set<string>();
  let c = EMPTY_COUNTS;
  for (const b of ballots) {
    c = addBallot(c, b.choice, b.areaDm2, !seen.has(b.owner));
    seen.add(b.owner);
  }
  return c;
}
