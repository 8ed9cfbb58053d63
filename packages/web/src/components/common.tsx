/** Small pieces every module's pages use: errors, and the "verified" mark of a record shown with its proof. */
import { Alert, Badge, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import type { Mark } from '../verify/ledger';

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  // fetch failures are TypeErrors (no connection); other Errors carry a message written for the user
  const message = error instanceof ApiError
    ? `${t(`errorCode.${error.code}`, { defaultValue: error.code })}: ${error.message}`
    : error instanceof Error && !(error instanceof TypeError) ? error.message : t('error.network');
  return <Alert color="red" data-testid="error">{message}</Alert>;
}

/** The per-step mark: checked against the ledger in this browser (or not provable on this node yet: grey). */
export function VerifiedMark({ mark }: { mark: Mark | undefined }) {
  const { t } = useTranslation();
  if (mark === undefined || mark.state === 'checking') return <Badge variant="outline" color="gray" data-testid="mark" data-state="checking">{t('verify.checking')}</Badge>;
  if (mark.state === 'verified') {
    return (
      <Tooltip label={t('verify.verifiedDetail', { height: mark.height, orgs: mark.signedBy.join(', ') })} multiline w={260}>
        <Badge color="green" variant="light" data-testid="mark" data-state="verified">✓ {t('verify.verified')}</Badge>
      </Tooltip>
    );
  }
  // not provable on this node yet (joined from a snapshot, older history still being fetched): neutral, not a failure
  if (mark.state === 'unavailable') {
    return (
      <Tooltip label={t('verify.unavailableDetail')} multiline w={300}>
        <Badge color="gray" variant="light" data-testid="mark" data-state="unavailable" title={mark.reason}>? {t('verify.unavailable')}</Badge>
      </Tooltip>
    );
  }
  return (
    <Tooltip label={`${mark.field}: ${mark.reason}`} multiline w={300}>
      <Badge color="red" variant="filled" data-testid="mark" data-state="failed" title={`${mark.field}: ${mark.reason}`}>✗ {t('verify.failed')}</Badge>
    </Tooltip>
  );
}
