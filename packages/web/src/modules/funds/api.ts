/**
 * The funds routes' answers as the pages use them (the core's records with each step's proof bundle), and the
 * regulators' live stream. docs/spec/funds.md
 */
import type { AlertRecord, ApplicationRecord, BudgetRecord, FeedEntry, FundStep, PaymentRecord, ProgrammeRecord, PublicTotals, ReconciliationRecord } from '@machi/core';
import { followStream, get, publicCall } from '../../api';

export type Proved<T> = T & { proof: unknown };
export type ProvedPayment = PaymentRecord & { steps: Proved<FundStep>[] };
export type ApplicationView = ApplicationRecord & { steps: Proved<FundStep>[]; payments?: ProvedPayment[] };
export type Benefit = { application: ApplicationView; payments: ProvedPayment[] };
export type BudgetView = { programme: string; periods: BudgetRecord[]; reconciliations: ReconciliationRecord[] };
export type FeedItem = Proved<FeedEntry>;
export type StreamEvent = { type: string; txHash: string; height: number; org: string; proof: unknown };
export type NoticeLine = { name: string; building: string; category: string; amountFen: number };
export type PublicNotice = { notice: string; programme: string; community: string; publishedAt: number; endsAt: number; listHash: string; lines: NoticeLine[] | null; txHash: string };
export type { AlertRecord, ProgrammeRecord, PublicTotals };

export const items = <T>(path: string): Promise<T[]> => get<{ items: T[] }>(path).then((r) => r.items);

/** Every page of the feed from `since` on (the node answers at most 200 a page). */
export async function feedFrom(since: number): Promise<FeedItem[]> {
  const all: FeedItem[] = [];
  for (let from = since, pages = 0; pages < 20; pages++) {
    const page = await items<FeedItem>(`/v1/funds/feed?since=${from}&limit=200`);
    const fresh = page.filter((e) => !all.some((a) => a.txHash === e.txHash));
    all.push(...fresh);
    if (page.length < 200 || fresh.length === 0) break;
    from = page[page.length - 1]!.at;
  }
  return all;
}

export const followFeed = (onEvent: (e: StreamEvent) => void, onOpen: () => void, signal: AbortSignal): Promise<void> =>
  followStream<StreamEvent>('/v1/funds/feed/stream', onEvent, onOpen, signal);

/** The organisations this node signs funds steps for (the treasury and the bank it hosts): offered at sign-in. */
export const fundsSigners = (): Promise<string[]> => publicCall<{ items: string[] }>('', '/v1/funds/public/signers').then((r) => r.items);

/** Fen as yuan with two decimals (integer arithmetic: no floating point on money). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const f = Math.abs(fen);
  return `${sign}¥${Math.floor(f / 100).toLocaleString('en')}.${String(f % 100).padStart(2, '0')}`;
}
