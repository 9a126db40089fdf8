/* global document */
// Today's power per site as an inline SVG line chart: x = local time of day, y = kW.
const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#d9480f', '#1971c2', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];
const hourFormats = new Map();

function hourOfDay(ts, timeZone) {
  let f = hourFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    hourFormats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(ts).map((p) => [p.type, p.value]));
  return Number(parts.hour) + Number(parts.minute) / 60;
}

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** series: [{ site, timeZone, points: [[ts, W], ...] }] */
export function drawChart(container, series) {
  const W = 760, H = 260, L = 50, R = 130, T = 10, B = 30;
  const maxW = Math.max(1000, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (h) => L + (h / 24) * (W - L - R);
  const y = (w) => H - B - (w / maxW) * (H - T - B);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', width: '100%' });
  for (let h = 0; h <= 24; h += 6) {
    svg.append(el('line', { x1: x(h), x2: x(h), y1: T, y2: H - B, class: 'grid' }));
    svg.append(el('text', { x: x(h), y: H - 10, 'text-anchor': 'middle', class: 'axis' }, `${h}:00`));
  }
  for (const f of [0, 0.5, 1]) {
    svg.append(el('line', { x1: L, x2: W - R, y1: y(maxW * f), y2: y(maxW * f), class: 'grid' }));
    svg.append(el('text', { x: L - 6, y: y(maxW * f) + 4, 'text-anchor': 'end', class: 'axis' }, `${Math.round((maxW * f) / 1000)} kW`));
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(hourOfDay(p[0], s.timeZone)).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
      svg.append(el('path', { d, stroke: color, fill: 'none', 'stroke-width': 2, 'data-site': s.site }));
    }
    svg.append(el('rect', { x: W - R + 10, y: T + i * 16, width: 10, height: 10, fill: color }));
    svg.append(el('text', { x: W - R + 25, y: T + 9 + i * 16, class: 'legend' }, s.site));
  });
  container.replaceChildren(svg);
}
