/* global document */
// Today's power per site as an inline SVG line chart: x = local time of day, y = kW. The SVG is drawn
// at the container's own width (1 unit = 1 CSS px), so its text stays readable on a phone; the legend
// is HTML under it, with the same site names as the table.
const NS = 'http://www.w3.org/2000/svg';
export const COLORS = ['#d9480f', '#1971c2', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];
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

/** series: [{ site, name, timeZone, points: [[ts, W], ...] }] */
export function drawChart(container, series) {
  const W = Math.max(280, Math.round(container.clientWidth || 760));
  const H = W < 500 ? 200 : 260;
  const L = 52, R = 12, T = 10, B = 26;
  const maxW = Math.max(1000, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (h) => L + (h / 24) * (W - L - R);
  const y = (w) => H - B - (w / maxW) * (H - T - B);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
  for (let h = 0; h <= 24; h += 6) {
    svg.append(el('line', { x1: x(h), x2: x(h), y1: T, y2: H - B, class: 'grid' }));
    svg.append(el('text', { x: x(h), y: H - 8, 'text-anchor': h === 24 ? 'end' : 'middle', class: 'axis' }, `${h}:00`));
  }
  for (const f of [0, 0.5, 1]) {
    svg.append(el('line', { x1: L, x2: W - R, y1: y(maxW * f), y2: y(maxW * f), class: 'grid' }));
    svg.append(el('text', { x: L - 6, y: y(maxW * f) + 4, 'text-anchor': 'end', class: 'axis' }, `${Math.round((maxW * f) / 1000)} kW`));
  }
  const legend = document.createElement('ul');
  legend.className = 'legend';
  legend.dataset.testid = 'legend';
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(hourOfDay(p[0], s.timeZone)).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
      svg.append(el('path', { d, stroke: color, fill: 'none', 'stroke-width': 2, 'data-site': s.site }));
    }
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = color;
    li.append(swatch, document.createTextNode(s.name ?? s.site));
    li.dataset.site = s.site;
    legend.append(li);
  });
  container.replaceChildren(svg, legend);
}
