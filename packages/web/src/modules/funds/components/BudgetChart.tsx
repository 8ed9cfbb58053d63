/** Budget versus committed versus paid per period of one programme (Apache ECharts, loaded with the page). */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { BudgetRecord } from '@machi/core';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const FONT = 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans", "Noto Sans CJK SC", "Noto Sans JP", sans-serif';
/** yuan as a number for the axis only (the figures shown as text stay integer fen) */
const y = (fen: number): number => fen / 100;

export function BudgetChart({ periods, testId }: { periods: readonly BudgetRecord[]; testId?: string }) {
  const { t, i18n } = useTranslation();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    const sorted = [...periods].sort((a, b) => a.period.localeCompare(b.period));
    chart.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: sorted.map((b) => b.period) },
      yAxis: { type: 'value', name: '¥' },
      series: [
        { name: t('funds.chart.budget'), type: 'line', step: 'middle', data: sorted.map((b) => y(b.budgetFen)), itemStyle: { color: '#868e96' }, symbol: 'none' },
        { name: t('funds.chart.committed'), type: 'bar', data: sorted.map((b) => y(b.committedFen)), itemStyle: { color: '#74c0fc' }, barMaxWidth: 18 },
        { name: t('funds.chart.paid'), type: 'bar', data: sorted.map((b) => y(b.paidFen)), itemStyle: { color: '#12b886' }, barMaxWidth: 18 },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [periods, i18n.language]);
  return <div ref={el} style={{ width: '100%', height: 260 }} data-testid={testId} />;
}
