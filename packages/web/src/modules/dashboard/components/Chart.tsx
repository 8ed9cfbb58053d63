/**
 * One Apache ECharts chart: bars, pies, Sankey, graphs and lines (loaded with the dashboard's pages). The container
 * carries `data-points` (how many data items its series hold), so a test can tell a drawn chart from an empty one.
 */
import { useEffect, useRef } from 'react';
import { BarChart, GraphChart, LineChart, PieChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, SankeyChart, GraphChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent, MarkLineComponent, CanvasRenderer]);

export const FONT = 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans", "Noto Sans CJK SC", "Noto Sans JP", sans-serif';

export type ChartClick = { name: string; seriesName?: string; dataType?: string; data?: unknown };

function points(option: Record<string, unknown>): number {
  const series = (Array.isArray(option.series) ? option.series : [option.series]) as { data?: unknown[]; links?: unknown[] }[];
  return series.reduce((n, s) => n + (s?.data?.length ?? 0) + (s?.links?.length ?? 0), 0);
}

export function Chart({ option, onClick, height = 260, testId, big = false }: { option: Record<string, unknown>; onClick?: (p: ChartClick) => void; height?: number; testId?: string; big?: boolean }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    if (el.current === null) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => click.current?.(p as unknown as ChartClick));
    const resize = () => c.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, textStyle: { fontFamily: FONT, fontSize: big ? 20 : 12 }, ...option }, true);
  }, [option, big]);
  return <div ref={el} style={{ width: '100%', height, cursor: onClick === undefined ? 'default' : 'pointer' }} data-testid={testId} data-points={points(option)} />;
}
