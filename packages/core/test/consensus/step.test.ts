// CONS-RULES-1 (docs/spec/consensus.md#the-rules): the rules of Algorithm 1, one by one.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMEOUTS,
  ROUNDS_AHEAD_MAX,
  blockHash,
  precommitSignBytes,
  proposalSignBytes,
  proposer,
  restoreConsensus,
  step,
  timeoutMs,
  validatorsHash,
  verifyCommit,
  verifyEvidence,
  voteSignBytes,
  type BlockHeader,
  type ConsensusState,
  type Validator,
} from '../../src/index.js';
import { CHAIN, Cluster, Proc, makeValidators, ofType, proposalFrom, signVote, validatorSet, value, type Keyed } from './harness.js';

const ZERO = '0'.repeat(64);

/** Four validators of power 1, and `me`: the one that proposes round 3 at height 1 (so rounds 0–2 have others). */
function fourWithMe(): { vals: Keyed[]; set: Validator[]; me: Keyed; others: Keyed[]; proposerAt: (r: number) => Keyed } {
  const vals = makeValidators([1, 1, 1, 1]);
  const set = validatorSet(vals);
  const byKey = (k: string) => vals.find((v) => v.key === k) as Keyed;
  const proposerAt = (r: number) => byKey(proposer(set, 1, r));
  const me = proposerAt(3);
  return { vals, set, me, others: vals.filter((v) => v !== me), proposerAt };
}

describe('sign bytes', () => {
  it('a precommit for a block signs exactly precommitSignBytes, so decided commits verify with verifyCommit', () => {
    const h = value('x');
    expect(Buffer.from(voteSignBytes(CHAIN, 'precommit', 7, 2, h))).toEqual(Buffer.from(precommitSignBytes(CHAIN, 7, 2, h)));
    expect(Buffer.from(voteSignBytes(CHAIN, 'prevote', 7, 2, h))).not.toEqual(Buffer.from(precommitSignBytes(CHAIN, 7, 2, h)));
    expect(Buffer.from(voteSignBytes(CHAIN, 'precommit', 7, 2, null)).toString()).toBe(
      'machi.vote.v1\n{"blockHash":null,"chainId":"machi-consensus-test","height":7,"round":2,"type":"precommit"}',
    );
    expect(Buffer.from(proposalSignBytes(CHAIN, { type: 'proposal', height: 1, round: 0, validRound: -1, blockHash: h, from: 'x' })).toString()).toMatch(
      /^machi\.proposal\.v1\n/,
    );
  });
});

describe('proposer', () => {
  it('rotates through equal validators and is independent of the order it is given', () => {
    const set = validatorSet(makeValidators([1, 1, 1, 1]));
    const seq = [0, 1, 2, 3].map((r) => proposer(set, 5, r));
    expect(new Set(seq).size).toBe(4);
    expect(proposer([...set].reverse(), 5, 2)).toBe(seq[2]);
    expect(proposer(set, 6, 0)).toBe(seq[1]);
  });

  it('gives each validator exactly `power` turns in any window of totalPower consecutive slots', () => {
    const set = validatorSet(makeValidators([1, 2, 3, 7]));
    for (const start of [0, 5, 1000]) {
      const count = new Map<string, number>();
      for (let r = 0; r < 13; r++) {
        const p = proposer(set, start, r);
        count.set(p, (count.get(p) ?? 0) + 1);
      }
      for (const v of set) expect(count.get(v.publicKey)).toBe(v.power);
    }
  });
});

describe('step: happy path', () => {
  it('4 validators decide the round-0 proposal in round 0, and the commit is a commit certificate', () => {
    const vals = makeValidators([1, 1, 1, 1]);
    const set = validatorSet(vals);
    const headers = new Map<string, BlockHeader>();
    const cluster = new Cluster(vals, (height, round) => {
      const header: BlockHeader = {
        chainId: CHAIN, height, time: 1000 + round, prevHash: ZERO, txRoot: ZERO, txCount: 0, logSize: 0, logRoot: ZERO, appHash: ZERO,
        proposer: proposer(set, height, round), validatorsHash: validatorsHash(set),
      };
      headers.set(blockHash(header), header);
      return blockHash(header);
    });
    cluster.start();
    cluster.run();
    const decisions = cluster.procs.map((p) => ofType(p.outputs, 'decide'));
    for (const d of decisions) {
      expect(d).toHaveLength(1);
      expect(d[0]?.round).toBe(0);
      expect(d[0]?.blockHash).toBe(decisions[0]?.[0]?.blockHash);
    }
    const d = decisions[0]?.[0];
    if (d === undefined) throw new Error('no decision');
    expect(d.commit.signatures.length).toBeGreaterThanOrEqual(3);
    expect(() => verifyCommit(headers.get(d.blockHash) as BlockHeader, d.commit, set)).not.toThrow();
    // only the proposer asked for a value; each validator sent one prevote and one precommit
    expect(cluster.procs.map((p) => ofType(p.outputs, 'get-value').length).sort()).toEqual([0, 0, 0, 1]);
    for (const p of cluster.procs) expect(p.broadcasts().filter((m) => m.type !== 'proposal')).toHaveLength(2);
    // after the decision the state waits at the next height for 'start-height'
    for (const p of cluster.procs) {
      expect(p.state).toMatchObject({ height: 2, started: false, round: 0, lockedRound: -1, validRound: -1 });
      expect(p.state.lastDecision).toEqual({ height: 1, round: 0, blockHash: d.blockHash });
    }
  });

  it('keeps deciding height after height when the driver sends start-height', () => {
    const cluster = new Cluster(makeValidators([1, 1, 1, 1]));
    for (let h = 1; h <= 5; h++) {
      cluster.start(h);
      cluster.run();
    }
    const hashes = cluster.procs.map((p) => ofType(p.outputs, 'decide').map((d) => `${d.height}:${d.blockHash}`).join());
    expect(new Set(hashes).size).toBe(1);
    expect(ofType(cluster.procs[0]?.outputs ?? [], 'decide').map((d) => d.height)).toEqual([1, 2, 3, 4, 5]);
  });

  it('does not mutate the state it is given, and its state survives a JSON round trip', () => {
    const { set, me, others, proposerAt } = fourWithMe();
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    const frozen = JSON.stringify(p.state);
    const before = p.state;
    const v = value('a');
    const r1 = step(before, { type: 'proposal', proposal: proposalFrom(proposerAt(0), 1, 0, v), valid: true });
    expect(JSON.stringify(before)).toBe(frozen);
    const revived = JSON.parse(JSON.stringify(r1.state)) as ConsensusState;
    const votes = others.map((o) => signVote(o, 'prevote', 1, 0, v));
    let a = r1.state;
    let b = revived;
    for (const vote of votes) {
      const ra = step(a, { type: 'vote', vote });
      const rb = step(b, { type: 'vote', vote });
      expect(rb.outputs).toEqual(ra.outputs);
      a = ra.state;
      b = rb.state;
    }
    expect(b).toEqual(a);
  });
});

describe('step: proposer timeout', () => {
  it('moves to round 1 when the round-0 proposer is silent, and decides there', () => {
    const vals = makeValidators([1, 1, 1, 1]);
    const set = validatorSet(vals);
    const cluster = new Cluster(vals);
    const silent = cluster.procs.find((p) => p.me?.key === proposer(set, 1, 0)) as Proc;
    cluster.silenced.add(silent);
    cluster.start();
    cluster.run();
    expect(cluster.procs.every((p) => ofType(p.outputs, 'decide').length === 0)).toBe(true);
    // the proposer timeout fires: prevote nil; 2f+1 nil prevotes: precommit nil; timeoutPrecommit is scheduled
    const proposeTimeouts = cluster.pendingTimeouts.filter((t) => t.event.step === 'propose');
    expect(proposeTimeouts[0]?.proc.outputs.find((o) => o.type === 'schedule-timeout')).toMatchObject({ durationMs: DEFAULT_TIMEOUTS.proposeMs });
    cluster.fireTimeouts();
    for (const p of cluster.procs.filter((x) => x !== silent)) {
      expect(p.votesSent('prevote', 0)).toEqual([null]);
      expect(p.votesSent('precommit', 0)).toEqual([null]);
    }
    cluster.silenced.delete(silent);
    cluster.fireTimeouts(); // precommit timeouts → StartRound(1); round 1's proposer proposes
    const decided = cluster.procs.map((p) => ofType(p.outputs, 'decide')[0]);
    expect(decided.every((d) => d?.round === 1 && d.blockHash === value('1/1'))).toBe(true);
  });

  it('timeouts grow with the round', () => {
    expect(timeoutMs(DEFAULT_TIMEOUTS, 'propose', 0)).toBe(1000);
    expect(timeoutMs(DEFAULT_TIMEOUTS, 'propose', 4)).toBe(3000);
    expect(timeoutMs(DEFAULT_TIMEOUTS, 'prevote', 2)).toBe(1000);
    expect(timeoutMs(DEFAULT_TIMEOUTS, 'precommit', 1)).toBe(750);
  });
});

describe('step: locking (lines 22–33, 36–43)', () => {
  /** me locks on v in round 0 (polka, precommit v); nobody decides; round 1 starts. */
  function lockedOnV() {
    const ctx = fourWithMe();
    const { set, me, others, proposerAt } = ctx;
    const p = new Proc(me, set);
    const v = value('v');
    p.feed({ type: 'start-height', height: 1 });
    p.proposal(proposalFrom(proposerAt(0), 1, 0, v));
    expect(p.votesSent('prevote', 0)).toEqual([v]);
    for (const o of others.slice(0, 2)) p.vote(signVote(o, 'prevote', 1, 0, v));
    expect(p.votesSent('precommit', 0)).toEqual([v]);
    expect(p.state).toMatchObject({ lockedValue: v, lockedRound: 0, validValue: v, validRound: 0, step: 'precommit' });
    for (const o of others) p.vote(signVote(o, 'precommit', 1, 0, null));
    p.feed({ type: 'timeout', step: 'precommit', height: 1, round: 0 });
    expect(p.state).toMatchObject({ round: 1, step: 'propose', lockedValue: v, lockedRound: 0 });
    return { ...ctx, p, v };
  }

  it('a validator locked on v prevotes nil for another value proposed without a polka', () => {
    const { p, proposerAt } = lockedOnV();
    p.proposal(proposalFrom(proposerAt(1), 1, 1, value('w')));
    expect(p.votesSent('prevote', 1)).toEqual([null]);
  });

  it('a validator locked on v prevotes v when v is proposed again, even without a polka shown', () => {
    const { p, proposerAt, v } = lockedOnV();
    p.proposal(proposalFrom(proposerAt(1), 1, 1, v));
    expect(p.votesSent('prevote', 1)).toEqual([v]);
  });

  it('a validator locked on v prevotes w once shown a polka for w from a round after its lock (line 28)', () => {
    const { p, others, proposerAt } = lockedOnV();
    const w = value('w');
    p.proposal(proposalFrom(proposerAt(1), 1, 1, w));
    expect(p.votesSent('prevote', 1)).toEqual([null]);
    for (const o of others) p.vote(signVote(o, 'precommit', 1, 1, null));
    p.feed({ type: 'timeout', step: 'precommit', height: 1, round: 1 });
    expect(p.state.round).toBe(2);
    // round 2 re-proposes w with validRound 1; the polka for w in round 1 is not known yet: wait
    p.proposal(proposalFrom(proposerAt(2), 1, 2, w, 1));
    expect(p.votesSent('prevote', 2)).toEqual([]);
    for (const o of others) p.vote(signVote(o, 'prevote', 1, 1, w));
    expect(p.votesSent('prevote', 2)).toEqual([w]);
    expect(p.state.lockedValue).not.toBe(w); // the lock moves only when it precommits (line 36)
  });

  it('a polka from a round before the lock does not unlock (lockedRound > validRound of the proposal)', () => {
    const ctx = fourWithMe();
    const { set, me, others, proposerAt } = ctx;
    const p = new Proc(me, set);
    const [v, w] = [value('v'), value('w')];
    p.feed({ type: 'start-height', height: 1 });
    // round 0: w proposed; only 2 of the others prevote it in time; me times out to nil precommit
    p.proposal(proposalFrom(proposerAt(0), 1, 0, w));
    p.vote(signVote(others[0] as Keyed, 'prevote', 1, 0, w));
    p.vote(signVote(others[1] as Keyed, 'prevote', 1, 0, null));
    p.vote(signVote(others[2] as Keyed, 'prevote', 1, 0, null));
    p.feed({ type: 'timeout', step: 'prevote', height: 1, round: 0 });
    for (const o of others) p.vote(signVote(o, 'precommit', 1, 0, null));
    p.feed({ type: 'timeout', step: 'precommit', height: 1, round: 0 });
    // round 1: polka for v; lock v@1
    p.proposal(proposalFrom(proposerAt(1), 1, 1, v));
    for (const o of others.slice(0, 2)) p.vote(signVote(o, 'prevote', 1, 1, v));
    expect(p.state).toMatchObject({ lockedValue: v, lockedRound: 1 });
    for (const o of others) p.vote(signVote(o, 'precommit', 1, 1, null));
    p.feed({ type: 'timeout', step: 'precommit', height: 1, round: 1 });
    // round 2: w re-proposed with validRound 0, whose polka (me + 2 others… here the 3 others) is now complete
    const lateVotes = [signVote(others[1] as Keyed, 'prevote', 1, 0, w), signVote(others[2] as Keyed, 'prevote', 1, 0, w)];
    p.proposal(proposalFrom(proposerAt(2), 1, 2, w, 0));
    expect(p.votesSent('prevote', 2)).toEqual([]);
    for (const vote of lateVotes) p.vote(vote); // conflicting with their nil prevotes: evidence, and they count for w
    expect(ofType(p.outputs, 'evidence')).toHaveLength(2);
    expect(p.votesSent('prevote', 2)).toEqual([null]);
  });

  it('a proposal of an invalid block gets a nil prevote (valid(v) is false)', () => {
    const { set, me, proposerAt } = fourWithMe();
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    p.proposal(proposalFrom(proposerAt(0), 1, 0, value('bad')), false);
    expect(p.votesSent('prevote', 0)).toEqual([null]);
  });

  it('the proposer proposes its validValue with its validRound instead of asking for a new value', () => {
    const { set, others, proposerAt } = fourWithMe();
    const p1 = proposerAt(1);
    const p = new Proc(p1, set);
    const v = value('v');
    p.feed({ type: 'start-height', height: 1 });
    p.proposal(proposalFrom(proposerAt(0), 1, 0, v));
    for (const o of others.filter((o) => o !== p1)) p.vote(signVote(o, 'prevote', 1, 0, v));
    expect(p.state).toMatchObject({ validValue: v, validRound: 0 });
    for (const o of others) p.vote(signVote(o, 'precommit', 1, 0, null));
    const out = p.feed({ type: 'timeout', step: 'precommit', height: 1, round: 0 });
    expect(ofType(out, 'get-value')).toHaveLength(0);
    expect(ofType(out, 'broadcast')[0]?.message).toEqual({ type: 'proposal', height: 1, round: 1, validRound: 0, blockHash: v, from: p1.key });
  });

  it('asks for a value when it proposes with no validValue, and proposes what the driver returns', () => {
    const { set, proposerAt } = fourWithMe();
    const p = new Proc(proposerAt(0), set);
    const out = p.feed({ type: 'start-height', height: 1 });
    expect(ofType(out, 'get-value')).toEqual([{ type: 'get-value', height: 1, round: 0 }]);
    const b = p.feed({ type: 'value', height: 1, round: 0, blockHash: value('built') });
    expect(ofType(b, 'broadcast')[0]?.message).toMatchObject({ type: 'proposal', round: 0, validRound: -1, blockHash: value('built') });
    expect(p.feed({ type: 'value', height: 1, round: 0, blockHash: value('second') })).toEqual([]);
  });
});

describe('step: rounds', () => {
  it('skips to a higher round on f+1 messages from it (line 55), not on f', () => {
    const { set, me, others } = fourWithMe();
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    p.vote(signVote(others[0] as Keyed, 'prevote', 1, 5, null));
    expect(p.state.round).toBe(0);
    const out = p.vote(signVote(others[1] as Keyed, 'precommit', 1, 5, null));
    expect(p.state).toMatchObject({ round: 5, step: 'propose' });
    expect(ofType(out, 'schedule-timeout')[0]).toMatchObject({ step: 'propose', round: 5, durationMs: timeoutMs(DEFAULT_TIMEOUTS, 'propose', 5) });
  });

  it('schedules timeoutPrecommit on 2f+1 precommits of any kind in any step, the propose step too (line 47)', () => {
    const { set, me, others } = fourWithMe();
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    p.vote(signVote(others[0] as Keyed, 'precommit', 1, 0, null));
    p.vote(signVote(others[1] as Keyed, 'precommit', 1, 0, value('x')));
    expect(ofType(p.outputs, 'schedule-timeout').filter((t) => t.step === 'precommit')).toHaveLength(0);
    p.vote(signVote(others[2] as Keyed, 'precommit', 1, 0, null));
    expect(p.state.step).toBe('propose');
    expect(ofType(p.outputs, 'schedule-timeout').filter((t) => t.step === 'precommit')).toMatchObject([{ round: 0, durationMs: 500 }]);
    p.feed({ type: 'timeout', step: 'precommit', height: 1, round: 0 });
    expect(p.state).toMatchObject({ round: 1, step: 'propose' });
  });

  it('counts power, not messages', () => {
    const vals = makeValidators([1, 1, 1, 3]);
    const set = validatorSet(vals);
    const heavy = vals.find((v) => v.power === 3) as Keyed;
    const small = vals.filter((v) => v.power === 1);
    const me = small[0] as Keyed;
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    // one heavy validator (3 of 6) is more than 1/3: round skip
    p.vote(signVote(heavy, 'prevote', 1, 2, null));
    expect(p.state.round).toBe(2);
    // three small validators (3 of 6) are not a quorum; heavy + two small (5 of 6) are
    for (const s of small) p.vote(signVote(s, 'prevote', 1, 2, null));
    p.feed({ type: 'timeout', step: 'propose', height: 1, round: 2 });
    expect(p.votesSent('precommit', 2)).toEqual([null]); // heavy's and the smalls' nil prevotes: 6 of 6
    for (const s of small) p.vote(signVote(s, 'precommit', 1, 2, null));
    expect(ofType(p.outputs, 'schedule-timeout').filter((t) => t.step === 'precommit')).toHaveLength(0);
    p.vote(signVote(heavy, 'precommit', 1, 2, null));
    expect(ofType(p.outputs, 'schedule-timeout').filter((t) => t.step === 'precommit')).toHaveLength(1);
  });

  it('stores messages for future rounds and decides from any round (line 49)', () => {
    const { set, me, others, proposerAt } = fourWithMe();
    const p = new Proc(me, set);
    const v = value('v');
    p.feed({ type: 'start-height', height: 1 });
    p.proposal(proposalFrom(proposerAt(2), 1, 2, v));
    for (const o of others.slice(0, 2)) p.vote(signVote(o, 'precommit', 1, 2, v));
    expect(ofType(p.outputs, 'decide')).toHaveLength(0);
    const out = p.vote(signVote(others[2] as Keyed, 'precommit', 1, 2, v));
    expect(ofType(out, 'decide')[0]).toMatchObject({ height: 1, round: 2, blockHash: v });
    expect(ofType(out, 'decide')[0]?.commit.signatures).toHaveLength(3);
  });

  it('drops messages beyond ROUNDS_AHEAD_MAX and for other heights', () => {
    const { set, me, others } = fourWithMe();
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    const before = p.state;
    for (const o of others) p.vote(signVote(o, 'prevote', 1, ROUNDS_AHEAD_MAX + 1, null));
    for (const o of others) p.vote(signVote(o, 'prevote', 2, 0, null));
    expect(p.state).toBe(before);
    p.vote(signVote(others[0] as Keyed, 'prevote', 1, ROUNDS_AHEAD_MAX, null));
    expect(Object.keys(p.state.rounds)).toContain(String(ROUNDS_AHEAD_MAX));
  });

  it('ignores votes from non-validators, malformed hashes and stale timeouts', () => {
    const { set, me, others } = fourWithMe();
    const stranger = makeValidators([1])[0] as Keyed;
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    const before = p.state;
    p.vote(signVote(stranger, 'prevote', 1, 0, null));
    p.vote({ ...signVote(others[0] as Keyed, 'prevote', 1, 0, null), blockHash: '__proto__' });
    p.feed({ type: 'timeout', step: 'prevote', height: 1, round: 0 });
    p.feed({ type: 'timeout', step: 'propose', height: 0, round: 0 });
    expect(p.state).toBe(before);
  });
});

describe('step: equivocation', () => {
  it('two different votes of one type, height and round from one validator yield evidence naming it, once', () => {
    const { set, me, others } = fourWithMe();
    const bad = others[0] as Keyed;
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    const a = signVote(bad, 'prevote', 1, 0, value('a'));
    const b = signVote(bad, 'prevote', 1, 0, value('b'));
    p.vote(a);
    p.vote(a); // a duplicate is not equivocation
    expect(ofType(p.outputs, 'evidence')).toHaveLength(0);
    const out = p.vote(b);
    const ev = ofType(out, 'evidence')[0]?.evidence;
    expect(ev).toEqual({ type: 'duplicate-vote', validator: bad.key, voteA: a, voteB: b });
    expect(verifyEvidence(CHAIN, set, ev as NonNullable<typeof ev>)).toBeNull();
    p.vote(signVote(bad, 'prevote', 1, 0, null));
    expect(ofType(p.outputs, 'evidence')).toHaveLength(1);
    // a precommit in the same round is another (type) slot: not evidence with a prevote
    p.vote(signVote(bad, 'precommit', 1, 0, value('c')));
    expect(ofType(p.outputs, 'evidence')).toHaveLength(1);
    expect(verifyEvidence(CHAIN, set, { type: 'duplicate-vote', validator: bad.key, voteA: a, voteB: { ...b, sig: a.sig } })).toMatch(/signature/);
  });

  it('an equivocator counts towards each value it signed, so the polka it helped build is seen', () => {
    const { set, me, others, proposerAt } = fourWithMe();
    const [x, y, z] = others as [Keyed, Keyed, Keyed];
    const v = value('v');
    const p = new Proc(me, set);
    p.feed({ type: 'start-height', height: 1 });
    p.proposal(proposalFrom(proposerAt(0), 1, 0, v)); // me prevotes v
    p.vote(signVote(x, 'prevote', 1, 0, v));
    p.vote(signVote(z, 'prevote', 1, 0, null)); // z equivocates: nil first…
    p.vote(signVote(y, 'prevote', 1, 0, null));
    expect(p.votesSent('precommit', 0)).toEqual([]);
    p.vote(signVote(z, 'prevote', 1, 0, v)); // …then v (relayed by an honest peer)
    expect(p.votesSent('precommit', 0)).toEqual([v]);
  });
});

describe('step: observer', () => {
  it('a non-validator observer decides from the validators\' messages and never broadcasts', () => {
    const cluster = new Cluster(makeValidators([1, 1, 1, 1]), undefined, 1);
    cluster.start();
    cluster.run();
    const observer = cluster.procs[4] as Proc;
    expect(observer.me).toBeNull();
    const d = ofType(observer.outputs, 'decide');
    expect(d).toHaveLength(1);
    expect(d[0]?.blockHash).toBe(ofType(cluster.procs[0]?.outputs ?? [], 'decide')[0]?.blockHash);
    expect(observer.outputs.filter((o) => o.type === 'broadcast' || o.type === 'get-value')).toEqual([]);
  });
});

describe('restoreConsensus (crash and restart)', () => {
  it('restores the lock and step from the double-sign guard and never signs a conflicting vote', () => {
    const { set, me, others, proposerAt } = fourWithMe();
    const v = value('v');
    const p = new Proc(me, set);
    const persisted = JSON.stringify(p.state); // as of the last decide (here: initConsensus)
    p.feed({ type: 'start-height', height: 1 });
    p.proposal(proposalFrom(proposerAt(0), 1, 0, v));
    for (const o of others.slice(0, 2)) p.vote(signVote(o, 'prevote', 1, 0, v));
    const guard = p.broadcasts();
    expect(guard.map((m) => `${m.type}:${m.blockHash === v ? 'v' : m.blockHash}`)).toEqual(['prevote:v', 'precommit:v']);

    // crash; restart from the persisted state and the guard
    const restored = restoreConsensus(JSON.parse(persisted) as ConsensusState, guard);
    expect(restored).toMatchObject({ round: 0, step: 'precommit', lockedValue: v, lockedRound: 0, validValue: v, validRound: 0, started: false });
    const q = new Proc(me, set);
    q.state = restored;
    const out = q.feed({ type: 'start-height', height: 1 });
    // it re-sends exactly what it signed and re-arms the current step's timeout
    expect(ofType(out, 'broadcast').map((o) => o.message)).toEqual(guard);
    expect(ofType(out, 'schedule-timeout')).toMatchObject([{ step: 'precommit', round: 0 }]);
    // the prevote nil it would send on a propose timeout in round 0 is never signed (it prevoted v)
    q.feed({ type: 'timeout', step: 'propose', height: 1, round: 0 });
    for (const o of others) q.vote(signVote(o, 'prevote', 1, 0, null));
    expect(q.votesSent('prevote', 0)).toEqual([v]);
    expect(q.votesSent('precommit', 0)).toEqual([v]);
    // next round: another value without a polka gets nil (the lock held across the crash)
    for (const o of others) q.vote(signVote(o, 'precommit', 1, 0, null));
    q.feed({ type: 'timeout', step: 'precommit', height: 1, round: 0 });
    q.proposal(proposalFrom(proposerAt(1), 1, 1, value('w')));
    expect(q.votesSent('prevote', 1)).toEqual([null]);
  });

  it('a restarted proposer re-sends the proposal it signed instead of building another', () => {
    const { set, proposerAt } = fourWithMe();
    const me = proposerAt(0);
    const p = new Proc(me, set);
    const persisted = JSON.stringify(p.state);
    p.feed({ type: 'start-height', height: 1 });
    p.feed({ type: 'value', height: 1, round: 0, blockHash: value('mine') });
    const guard = p.broadcasts();
    const q = new Proc(me, set);
    q.state = restoreConsensus(JSON.parse(persisted) as ConsensusState, guard);
    const out = q.feed({ type: 'start-height', height: 1 });
    expect(ofType(out, 'get-value')).toHaveLength(0);
    expect(ofType(out, 'broadcast').map((o) => o.message)).toEqual(guard);
  });

  it('a state with nothing signed at its height is returned unchanged; start-height beyond the height resets', () => {
    const { set, me } = fourWithMe();
    const p = new Proc(me, set);
    expect(restoreConsensus(p.state, [])).toBe(p.state);
    p.feed({ type: 'start-height', height: 1 });
    p.feed({ type: 'start-height', height: 4 }); // the driver synced blocks 1–3
    expect(p.state).toMatchObject({ height: 4, round: 0, started: true });
  });
});
