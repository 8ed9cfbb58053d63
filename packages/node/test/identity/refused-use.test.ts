/**
 * The desk asks the privacy rules before it keeps anything: when they refuse (here: the resident's record was erased
 * between the consent and the presentations), the presentation is an invalid attempt, the desk is shown no claim, and
 * the refused use is itself on the ledger as a denied access record.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessesOfNames, verificationsOfSession } from '@machi/core';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { TestWallet, call, elderlyClaims, identityServer, issue, nowS, residenceClaims, type IdentityServer } from './helpers.js';

let s: IdentityServer;
beforeAll(async () => {
  s = await identityServer();
});
afterAll(async () => s.close());

it('a use the privacy rules refuse keeps and shows no claim, and is recorded as refused', async () => {
  const wallet = await TestWallet.create();
  const residence = await issue(s, wallet, 'residence', residenceClaims('resident1'), { subject: s.subjects.get('resident1') });
  const elderly = await issue(s, wallet, 'elderly', elderlyClaims('resident1'));
  const ids: string[] = [];
  for (const c of [residence, elderly]) {
    const r = await call(s, 'resident1', 'POST', '/v1/me/identity/credentials', { credential: c.credential });
    expect(r.status, r.body).toBe(201);
    ids.push(r.json.id as string);
  }
  const ses = await call(s, 'zhou.official', 'POST', '/v1/identity/sessions', { service: 'elderly-subsidy' });
  expect(ses.status, ses.body).toBe(201);
  const consent = await call(s, 'resident1', 'POST', '/v1/me/identity/consents', { session: ses.json.session, nonce: ses.json.nonce, credentials: ids });
  expect(consent.status, consent.body).toBe(201);

  // the record is erased before the presentations arrive
  const subject = s.subjects.get('resident1')!;
  const erased = await call(s, 'zhou.official', 'POST', `/v1/subjects/${subject}/erase`);
  expect(erased.status, erased.body).toBe(200);

  const kb = { nonce: ses.json.nonce as string, aud: ses.json.audience as string, iatS: nowS(s) };
  const presentations = [await wallet.present(residence.credential, ['community', 'building'], kb), await wallet.present(elderly.credential, ['name', 'age60OrOver'], kb)];
  const r = await call(s, undefined, 'POST', `/v1/identity/sessions/${ses.json.session}/presentations`, { presentations });
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.body).toContain('privacy rules');

  // the desk sees no claim and no eligibility
  const desk = await call(s, 'zhou.official', 'GET', `/v1/identity/sessions/${ses.json.session}/desk`);
  expect(desk.json).toMatchObject({ eligible: false, disclosed: {} });
  // every attempt is recorded as invalid, and the refused use is a denied access record naming the reason
  const attempts = verificationsOfSession((k) => s.store.read(k), (p, l) => s.store.scan(p, l), ses.json.session as string);
  expect(attempts.length).toBeGreaterThan(0);
  expect(attempts.every((a) => a.result === 'invalid')).toBe(true);
  // the ledger names the resident per context: the holder finds the records by the pseudonyms it derived
  const names = s.use<PrivacyExports>('privacy').service.ledgerNames(subject, 'privacy.access/');
  expect(names.some((n) => n.startsWith('psn_'))).toBe(true);
  const denied = accessesOfNames((p, l) => s.store.scan(p, l), names).filter((a) => a.purpose === 'identity-verification' && a.decision === 'denied');
  expect(denied.length).toBeGreaterThan(0);
  expect(denied[0]!.reason).toBe('erased');
});
