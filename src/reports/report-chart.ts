import { Resvg } from '@resvg/resvg-js';
import type { WeeklyReport } from './weekly-report.js';

const WIDTH = 800;
const HEIGHT = 360;
const PAD = { left: 70, right: 20, top: 50, bottom: 60 };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The SVG of MTTA and MTTR (means, in minutes) per week; weeks without a figure leave a break in the line. */
export function reportChartSvg(report: WeeklyReport): string {
  const weeks = report.rows.filter((r) => r.group === 'all');
  const series = [
    { name: 'MTTA', color: '#d97706', values: weeks.map((w) => (w.mtta.mean === null ? null : w.mtta.mean / 60)) },
    { name: 'MTTR', color: '#2563eb', values: weeks.map((w) => (w.mttr.mean === null ? null : w.mttr.mean / 60)) },
  ];
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (weeks.length <= 1 ? plotW / 2 : (i * plotW) / (weeks.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="28" font-size="16" font-weight="bold">${escape(`MTTA and MTTR per week (minutes, mean)${report.team ? ` — ${report.team}` : ''}`)}</text>`,
  ];
  for (let step = 0; step <= 4; step++) {
    const value = (max * step) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${PAD.left - 8}" y="${y(value) + 4}" font-size="11" text-anchor="end">${value.toFixed(value < 10 ? 1 : 0)}</text>`);
  }
  weeks.forEach((week, i) => parts.push(`<text x="${x(i)}" y="${HEIGHT - PAD.bottom + 18}" font-size="10" text-anchor="middle">${week.week.slice(5)}</text>`));
  series.forEach((s, index) => {
    let path = '';
    s.values.forEach((value, i) => {
      if (value === null) return;
      path += `${path && s.values[i - 1] !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)} `;
      parts.push(`<circle data-series="${s.name}" data-week="${weeks[i]!.week}" data-minutes="${value.toFixed(2)}" cx="${x(i).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
    });
    if (path) parts.push(`<path d="${path.trim()}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    const lx = PAD.left + index * 110;
    parts.push(`<rect x="${lx}" y="${HEIGHT - 22}" width="14" height="4" fill="${s.color}"/><text x="${lx + 20}" y="${HEIGHT - 16}" font-size="12">${s.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The chart as PNG, rendered in-process by resvg (its binary comes in its npm package). */
export function reportChartPng(report: WeeklyReport): Buffer {
  const resvg = new Resvg(reportChartSvg(report), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' });
  return Buffer.from(resvg.render().asPng());
}
