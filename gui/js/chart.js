// A small SVG line chart of recent history: one or two series against time,
// the last 'span' seconds up to 'now', with the range of values written on
// its axis.  Pure: its geometry comes from chartGeometry(), which the unit
// tests check; drawChart() only turns it into elements.

const NS = 'http://www.w3.org/2000/svg';

// series: [{name, points: [[t, v]...]}]; returns {paths: [d...], max, min}
// for a chart of width w and height h (pixels, inside its margins).
export function chartGeometry(series, now, span, w, h) {
  let max = 0;
  for (const s of series) for (const [t, v] of s.points) if (t >= now - span && v > max) max = v;
  if (max <= 0) max = 1;
  const nice = niceCeil(max);
  const paths = series.map((s) => {
    let d = '';
    for (const [t, v] of s.points) {
      if (t < now - span) continue;
      const x = ((t - (now - span)) / span) * w;
      const y = h - (Math.max(0, v) / nice) * h;
      d += `${d ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    }
    return d;
  });
  return { paths, max: nice };
}

// The smallest of 1, 2, 2.5 or 5 times a power of ten at least 'x'.
export function niceCeil(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x * (1 - 1e-9)) return m * p;
  return 10 * p;
}

export function drawChart(series, { now, span = 300, unit = '', format = (v) => String(v), axis = format }) {
  const W = 300;
  const H = 120;
  const m = { l: 44, r: 6, t: 8, b: 16 };
  const w = W - m.l - m.r;
  const h = H - m.t - m.b;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  const g = chartGeometry(series, now, span, w, h);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  add('line', { class: 'axis', x1: m.l, y1: m.t + h, x2: m.l + w, y2: m.t + h });
  add('line', { class: 'axis', x1: m.l, y1: m.t, x2: m.l, y2: m.t + h });
  add('text', { x: m.l - 3, y: m.t + 8, 'text-anchor': 'end' }, axis(g.max));
  add('text', { x: m.l - 3, y: m.t + h, 'text-anchor': 'end' }, '0');
  add('text', { x: m.l, y: H - 3 }, `−${Math.round(span / 60)} min`);
  add('text', { x: m.l + w, y: H - 3, 'text-anchor': 'end' }, 'now');
  g.paths.forEach((d, i) => {
    const p = add('path', { class: `series${i}`, d: d || 'M0,0', transform: `translate(${m.l} ${m.t})` });
    if (!d) p.setAttribute('visibility', 'hidden');
  });
  const last = series.map((s) => (s.points.length ? s.points[s.points.length - 1][1] : null));
  svg.setAttribute('aria-label', series.map((s, i) => `${s.label || s.name}: ${last[i] === null ? 'no values' : format(last[i])}${unit}`).join('; '));
  return svg;
}
