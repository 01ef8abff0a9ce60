// Messages, events, alerts and parse errors per interval (packet time) as a uPlot line chart.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Rates } from '../types.js';

const HEIGHT = 240;

function toData(r: Rates): uPlot.AlignedData {
  const p = r.points;
  return [p.map((x) => x.t / 1000), p.map((x) => x.messages), p.map((x) => x.events), p.map((x) => x.alerts), p.map((x) => x.parseErrors)];
}

export function RatesChart({ rates }: { rates: Rates | null }): VNode {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    // Axis and grid colours follow the page's (light or dark) palette.
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--muted').trim() || '#667085';
    const grid = { stroke: css.getPropertyValue('--line').trim() || '#d9dde4', width: 1 };
    const axis = { stroke: fg, grid, ticks: grid };
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      series: [
        { label: 'time' },
        { label: 'messages', stroke: '#2563eb', width: 1.5 },
        { label: 'events', stroke: '#16a34a', width: 1.5 },
        { label: 'alerts', stroke: '#dc2626', width: 1.5 },
        { label: 'parse errors', stroke: '#d97706', width: 1.5 },
      ],
      axes: [axis, { ...axis, size: 50 }],
    };
    const u = new uPlot(opts, [[], [], [], [], []], el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(300, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    if (plot.current !== null && rates !== null) plot.current.setData(toData(rates));
  }, [rates]);

  return html`<div class="chart" ref=${box} data-testid="rates-chart" role="img" aria-label="Messages, events, alerts and parse errors over time"></div>`;
}
