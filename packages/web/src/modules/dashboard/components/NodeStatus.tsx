/**
 * This node's voting and history (node-status.ts): one quiet line when all is well, a banner for each thing its
 * operator should know (refusing to vote, holding its vote after a restore, still fetching its history).
 */
import { Alert, Badge, Progress, Stack, Text } from '@mantine/core';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { historyShare, nodeStatusView, type NodeHealth, type Tone } from '../node-status';

const COLOUR: Record<Tone, string> = { alert: 'red', warning: 'yellow', info: 'blue' };
/** a command-line flag in a notice: kept on one line, as typed */
const CMD = <span style={{ whiteSpace: 'nowrap', fontFamily: 'var(--mantine-font-family-monospace)' }} />;

export function NodeStatus({ health }: { health: NodeHealth }) {
  const { t } = useTranslation();
  const v = nodeStatusView(health);
  // an organisation by its name (the shell's labels), as the header shows it
  const org = t(`org.${health.org}`, { defaultValue: health.org });
  return (
    <Stack gap="xs" data-testid="node-status" data-status={v.status} data-voting={v.voting}>
      {v.notices.map((n) => (
        <Alert key={n.id} color={COLOUR[n.tone]} variant={n.tone === 'alert' ? 'filled' : 'light'} title={t(n.title, n.params)} data-testid={`node-notice-${n.id}`}>
          <Text size="sm"><Trans t={t} i18nKey={n.body} values={'org' in n.params ? { ...n.params, org } : n.params} components={{ cmd: CMD }} /></Text>
          {n.id === 'history' && <Progress mt="xs" size="sm" value={historyShare(health)} aria-label={t('dashboard.node.history.title')} />}
          {n.detail !== undefined && (
            <Text size="xs" mt={6} opacity={0.85} data-testid="node-detail">{t('dashboard.node.nodeSays')} {n.detail}</Text>
          )}
        </Alert>
      ))}
      <Text size="sm" c={v.voting === 'refused' ? 'red' : 'dimmed'} data-testid="node-voting">
        {[t('dashboard.node.line', { org }), ...v.line.map((p) => t(p.key, p.params))].join(' · ')}
      </Text>
    </Stack>
  );
}

/** A small red badge on the dashboard's other pages while this node refuses to vote, linking to the network view. */
export function NodeDegradedBadge({ health }: { health: NodeHealth | null }) {
  const { t } = useTranslation();
  if (health === null || nodeStatusView(health).status !== 'degraded') return null;
  return (
    <Badge component={Link} href="/dashboard/network" color="red" variant="filled" style={{ cursor: 'pointer' }} data-testid="node-degraded">
      {t('dashboard.node.degradedBadge')}
    </Badge>
  );
}
