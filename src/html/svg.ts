/**
 * Server-side SVG charts for `radar report html`: pure functions from figures to markup, so the
 * page needs no script or library at view time and each chart is testable as a string. Colours
 * come from CSS classes (the page's stylesheet switches them for dark mode).
 */

/** Text made safe for HTML and SVG (element content and attribute values). */
export function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** 1234567 → `1.2M`, 12345 → `12k`, 999 → `999`: axis and bar labels. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(abs >= 1e10 ? 0 : 1)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n));
}

const r1 = (n: number) => Math.round(n * 10) / 10;

function svg(title: string, width: number, height: number, body: string): string {
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" ` +
    `xmlns="http://www.w3.org/2000/svg"><title>${esc(title)}</title>${body}</svg>`
  );
}

export interface Bar {
  label: string;
  value: number;
  /** A series index for the colour (s0…s7). */
  series?: number;
  /** Shown after the value (e.g. `3 sessions`). */
  note?: string;
}

/** Horizontal bars, one labelled row each, longest to scale. */
export function barChart(title: string, bars: readonly Bar[]): string {
  const row = 26;
  // Narrow enough that the text stays legible when a phone scales the chart down.
  const labelW = 170;
  const width = 480;
  const barW = width - labelW - 120;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const body = bars
    .map((b, i) => {
      const y = i * row + 4;
      const w = b.value > 0 ? Math.max(1, r1((b.value / max) * barW)) : 0;
      const label = b.label.length > 25 ? `${b.label.slice(0, 24)}…` : b.label;
      return (
        `<text class="label" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(label)}</text>` +
        `<rect class="s${(b.series ?? 0) % 8}" x="${labelW}" y="${y}" width="${w}" height="${row - 8}" rx="2"/>` +
        `<text class="value" x="${labelW + w + 6}" y="${y + 15}">${esc(
          compact(b.value) + (b.note ? ` · ${b.note}` : ''),
        )}</text>`
      );
    })
    .join('');
  return svg(title, width, Math.max(row, bars.length * row + 8), body);
}

export interface Column {
  label: string;
  /** One value per series, stacked bottom to top. */
  values: readonly number[];
}

/** Vertical stacked columns (tokens per day), with a legend for the series. */
export function stackedColumns(
  title: string,
  series: readonly string[],
  cols: readonly Column[],
): string {
  const width = 640;
  const plotH = 200;
  const left = 48;
  const top = 10;
  const legendRows = Math.ceil(series.length / 3);
  const height = top + plotH + 24 + legendRows * 18 + 6;
  const max = Math.max(1, ...cols.map((c) => c.values.reduce((s, v) => s + v, 0)));
  const step = (width - left - 8) / Math.max(1, cols.length);
  const colW = Math.max(2, r1(step * 0.75));
  const parts: string[] = [
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 4}" y2="${top + plotH}"/>`,
    `<text class="tick" x="${left - 4}" y="${top + 8}" text-anchor="end">${compact(max)}</text>`,
    `<text class="tick" x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>`,
  ];
  const labelEvery = Math.max(1, Math.ceil(cols.length / 8));
  cols.forEach((c, i) => {
    const x = r1(left + i * step + (step - colW) / 2);
    let y = top + plotH;
    c.values.forEach((v, s) => {
      if (v <= 0) return;
      const h = Math.max(0.5, r1((v / max) * plotH));
      y = r1(y - h);
      parts.push(
        `<rect class="s${s % 8}" x="${x}" y="${y}" width="${colW}" height="${h}"><title>${esc(
          `${c.label} ${series[s] ?? ''}: ${compact(v)}`,
        )}</title></rect>`,
      );
    });
    if (i % labelEvery === 0)
      parts.push(
        `<text class="tick" x="${r1(x + colW / 2)}" y="${top + plotH + 14}" text-anchor="middle">${esc(c.label.slice(5))}</text>`,
      );
  });
  series.forEach((name, s) => {
    const x = 8 + (s % 3) * 210;
    const y = top + plotH + 24 + Math.floor(s / 3) * 18;
    parts.push(
      `<rect class="s${s % 8}" x="${x}" y="${y}" width="10" height="10"/>` +
        `<text class="label" x="${x + 14}" y="${y + 9}">${esc(name.length > 28 ? `${name.slice(0, 27)}…` : name)}</text>`,
    );
  });
  return svg(title, width, height, parts.join(''));
}

export interface PaceFigure {
  provider: string;
  /** 0–100, or null when unknown. */
  usedPercent: number | null;
  expectedPercent: number | null;
  verdict: string;
  band: { min: number; max: number };
  checkpoints: readonly { afterDays: number; dayName: string }[];
  /** The week's reset, ISO; null when unknown. */
  resetsAt: string | null;
}

/**
 * One quota week: the expected line (straight from 0 to 100% at the reset), the target band at
 * the reset widening from the start, the checkpoint days, and the use so far (drawn straight from
 * the week's start: the ledger keeps the percentage, not its path).
 */
export function paceChart(p: PaceFigure): string {
  const width = 320;
  const height = 200;
  const l = 34;
  const t = 10;
  const w = width - l - 12;
  const h = height - t - 28;
  const x = (fraction: number) => r1(l + fraction * w);
  const y = (percent: number) => r1(t + h - (Math.min(120, percent) / 120) * h);
  const parts: string[] = [
    `<polygon class="band" points="${x(0)},${y(0)} ${x(1)},${y(p.band.max)} ${x(1)},${y(p.band.min)}"/>`,
    `<line class="axis" x1="${l}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}"/>`,
    `<line class="grid" x1="${l}" y1="${y(100)}" x2="${x(1)}" y2="${y(100)}"/>`,
    `<text class="tick" x="${l - 4}" y="${y(100) + 4}" text-anchor="end">100%</text>`,
    `<text class="tick" x="${l - 4}" y="${y(0)}" text-anchor="end">0</text>`,
    `<line class="expected" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(100)}"/>`,
    `<line class="reset" x1="${x(1)}" y1="${t}" x2="${x(1)}" y2="${y(0)}"/>`,
    `<text class="tick" x="${x(1)}" y="${y(0) + 14}" text-anchor="end">reset</text>`,
  ];
  for (const cp of p.checkpoints) {
    const f = cp.afterDays / 7;
    parts.push(
      `<line class="checkpoint" x1="${x(f)}" y1="${t}" x2="${x(f)}" y2="${y(0)}"/>` +
        `<text class="tick" x="${x(f)}" y="${y(0) + 14}" text-anchor="middle">${esc(cp.dayName.slice(0, 3))}</text>`,
    );
  }
  if (p.usedPercent !== null && p.expectedPercent !== null) {
    const f = p.expectedPercent / 100;
    parts.push(
      `<line class="used v-${esc(p.verdict)}" x1="${x(0)}" y1="${y(0)}" x2="${x(f)}" y2="${y(p.usedPercent)}"/>` +
        `<circle class="used v-${esc(p.verdict)}" cx="${x(f)}" cy="${y(p.usedPercent)}" r="4"/>`,
    );
  } else
    parts.push(
      `<text class="label" x="${x(0.5)}" y="${y(60)}" text-anchor="middle">use unknown</text>`,
    );
  const used = p.usedPercent === null ? 'unknown' : `${p.usedPercent.toFixed(1)}%`;
  const expected = p.expectedPercent === null ? 'unknown' : `${p.expectedPercent.toFixed(1)}%`;
  return svg(
    `${p.provider}: ${used} used, ${expected} expected by now, ${p.verdict}`,
    width,
    height,
    parts.join(''),
  );
}
