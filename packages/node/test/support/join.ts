/**
 * A node joined from a snapshot of a one-node chain (test/support/node.ts), in this process: as `machi join` then
 * `machi start` do it (membership.md#snapshots), without the network. The source's clock is moved past the replay
 * window and two blocks with a transaction are committed first, so the snapshot's window holds none of the blocks
 * before: the joined node holds the state of everything, and the blocks from the window on only (its history is not
 * fetched: tests that want it fetch it themselves).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NONCE_WINDOW_MS, type SnapshotManifest } from '@machi/core';
import { MachiNode } from '../../src/node/node.js';
import { InlineChecker } from '../../src/node/checker.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { Snapshots, installSnapshot, readStateLines } from '../../src/modules/consortium/snapshots.js';
import type { OneNode } from './node.js';

export interface Joined {
  node: MachiNode;
  store: SqliteStore;
  /** the snapshot's height, and the lowest block the joined node holds */
  snapshotHeight: number;
  lowestHeight: number;
  /** applies the source's blocks it has committed since (as a joined node syncs them from its peers) */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** `inWindow` runs between the two blocks past the window: what it commits is in the snapshot's replay window. */
export async function joinedFrom(s: OneNode, inWindow?: () => Promise<void>): Promise<Joined> {
  const dir = mkdtempSync(join(tmpdir(), 'machi-joined-'));
  const submitter = new OrgSubmitter(s.node, s.signer);
  const notary = () => submitter.submit('notary.record', { hash: randomBytes(32).toString('hex'), label: 'past the replay window' });
  s.clock.offsetMs += NONCE_WINDOW_MS + 60_000;
  await notary();
  await inWindow?.();
  s.clock.offsetMs += NONCE_WINDOW_MS + 60_000;
  await notary();
  const snapshots = new Snapshots(s.node, undefined, dir, Number.MAX_SAFE_INTEGER, () => {});
  const taken = snapshots.take(s.node.store.getBlock(s.node.head.height)!);
  const r = await submitter.submit('consortium.checkpoint', { height: taken.height, blockHash: taken.blockHash, stateDigest: taken.stateDigest });
  if (r.code !== undefined) throw new Error(`checkpoint refused: ${r.message}`);
  const manifest = JSON.parse(JSON.stringify(snapshots.manifest())) as SnapshotManifest;
  if (manifest.height !== taken.height) throw new Error('no manifest of the snapshot');
  const store = new SqliteStore(join(dir, 'ledger.db'));
  await installSnapshot(store, s.genesis, manifest, readStateLines(createReadStream(snapshots.statePath(taken.height)!)));
  const node = new MachiNode({ genesis: s.genesis, publicKey: s.signer.publicKey, store, checker: new InlineChecker(s.genesis), clock: s.clock.now });
  const sync = async (): Promise<void> => {
    for (let h = node.head.height + 1; h <= s.node.head.height; h++) {
      const w = s.node.wireBlock(h)!;
      await node.applySynced(w.block, w.commit);
    }
  };
  await sync();
  return {
    node, store, sync, snapshotHeight: taken.height, lowestHeight: manifest.recent[0]!.header.height,
    async close() {
      await node.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
