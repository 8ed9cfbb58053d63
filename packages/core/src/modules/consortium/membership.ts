/**
 * Validator-set changes, certified by the set before them, so that anyone holding only the genesis can follow the
 * chain's membership: a `SetChange` carries the block whose execution wrote the new set (`consortium/next`), that
 * block's commit certificate (by the set before), and the block's writes and results with the previous app hash, from
 * which the verifier recomputes the header's `appHash` (the app-hash chain, state-machine.md) and so proves the write.
 * docs/spec/consensus.md#membership, docs/spec/formats.md#proof-bundles
 */
import { checkCommitShape, checkHeaderShape, verifyCommit, type BlockHeader, type Commit } from '../../block.js';
import { MachiError, isMachiError } from '../../errors.js';
import { validatorsHash, validatorsOfOrgs, type Genesis } from '../../genesis.js';
import { nextAppHash } from '../../state/execute.js';
import { CONSORTIUM_NEXT_KEY, SET_CHANGE_DELAY_HEIGHTS, genesisSet, type MemberSet } from './set.js';

/** One change of the member set, with what certifies it. */
export interface SetChange {
  /** the set it brings in (epoch, the height it holds from, the organisations) */
  set: MemberSet;
  /** the block that approved it (height = set.from − SET_CHANGE_DELAY_HEIGHTS), certified by the previous set */
  header: BlockHeader;
  commit: Commit;
  /** the app hash before that block, and its writes and results: they hash to header.appHash */
  prevAppHash: string;
  writes: [string, string | null][];
  /** each transaction's result code, "" when applied */
  results: string[];
}


function bad(index: number, why: string): never {
  throw new MachiError('SET_CHANGE_INVALID', `setChanges[${index}]: ${why}`, { index });
}

const CODE_RE = /^[A-Z0-9_]{0,64}$/;
// Keys and values are JSON text and state keys: no control characters, so the length-prefixed encoding of the
// app hash has one reading (a length prefix always starts with a 0x00 byte no key or value contains).
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f]*$/;

/**
 * Follows `changes` from the genesis set and returns every set in order (the genesis set first). Each change must be
 * the next epoch, certified by the set before it at a height inside that set's era, and proven written by its block.
 * Throws SET_CHANGE_INVALID naming the change.
 */
export function verifySetChanges(genesis: Genesis, changes: readonly unknown[]): MemberSet[] {
  const sets: MemberSet[] = [genesisSet(genesis.orgs)];
  changes.forEach((raw, i) => {
    const prev = sets[sets.length - 1]!;
    if (typeof raw !== 'object' || raw === null) bad(i, 'is not an object');
    const c = raw as Partial<SetChange>;
    let header: BlockHeader;
    let commit: Commit;
    try {
      header = checkHeaderShape(c.header);
      commit = checkCommitShape(c.commit);
    } catch (e) {
      if (isMachiError(e)) bad(i, e.message);
      throw e;
    }
    const set = c.set;
    if (typeof set !== 'object' || set === null || !Array.isArray(set.orgs)) bad(i, 'set is missing');
    if (set.epoch !== prev.epoch + 1) bad(i, `is epoch ${String(set.epoch)}, the next is ${prev.epoch + 1}`);
    if (header.chainId !== genesis.chainId) bad(i, 'header is for another chain');
    if (header.height < prev.from) bad(i, `block ${header.height} is before the set it changes (from ${prev.from})`);
    if (set.from !== header.height + SET_CHANGE_DELAY_HEIGHTS) bad(i, `takes effect at ${set.from}, not ${header.height + SET_CHANGE_DELAY_HEIGHTS}`);
    const validators = validatorsOfOrgs(prev.orgs);
    if (header.validatorsHash !== validatorsHash(validators)) bad(i, 'header.validatorsHash is not the previous set');
    try {
      verifyCommit(header, commit, validators);
    } catch (e) {
      if (isMachiError(e)) bad(i, `commit: ${e.message}`);
      throw e;
    }
    const { writes, results, prevAppHash } = c;
    if (typeof prevAppHash !== 'string' || !/^[0-9a-f]{64}$/.test(prevAppHash)) bad(i, 'prevAppHash');
    if (!Array.isArray(results) || results.length !== header.txCount || !results.every((r) => typeof r === 'string' && CODE_RE.test(r))) bad(i, 'results');
    if (!Array.isArray(writes)) bad(i, 'writes');
    let last = '';
    for (const w of writes) {
      if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || !(w[1] === null || typeof w[1] === 'string')) bad(i, 'a write is malformed');
      if (w[0] <= last && last !== '') bad(i, 'writes are not sorted by key');
      if (!NO_CONTROL.test(w[0]) || (w[1] !== null && !NO_CONTROL.test(w[1]))) bad(i, 'a write holds a control character');
      last = w[0];
    }
    const computed = nextAppHash(prevAppHash, writes, results.map((r) => (r === '' ? {} : { code: r as never })));
    if (computed !== header.appHash) bad(i, 'writes and results do not hash to header.appHash');
    const written = writes.find((w) => w[0] === CONSORTIUM_NEXT_KEY)?.[1];
    if (written === undefined || written === null) bad(i, `the block does not write ${CONSORTIUM_NEXT_KEY}`);
    let proven: MemberSet;
    try {
      proven = JSON.parse(written) as MemberSet;
    } catch {
      bad(i, `${CONSORTIUM_NEXT_KEY} is not JSON`);
    }
    if (JSON.stringify(canonicalSet(proven)) !== JSON.stringify(canonicalSet(set))) bad(i, 'set is not the set the block wrote');
    sets.push(canonicalSet(proven));
  });
  return sets;
}

function canonicalSet(s: MemberSet): MemberSet {
  return { epoch: s.epoch, from: s.from, orgs: s.orgs.map((o) => ({ id: o.id, name: o.name, publicKey: o.publicKey, power: o.power })) };
}

/** The set among `sets` (from verifySetChanges) that holds at `height`. */
export function setAtHeight(sets: readonly MemberSet[], height: number): MemberSet {
  let s = sets[0]!;
  for (const x of sets) if (x.from <= height) s = x;
  return s;
}
