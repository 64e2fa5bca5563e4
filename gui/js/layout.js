// Where the drawing puts each switch, server and host: the switch tree as a
// tree, its root (the topology's center, as minidcd says) on top as the
// paper draws Figure 1, each server under its switch, the hosts of the root
// above it.  A graph with loops is drawn as its breadth-first tree from the
// root (the other links are still drawn, between the places this gives).
// Pure: the topology (GET /api/v1/topology) in, positions out.

export const SIZES = {
  switchW: 84,
  switchH: 30,
  serverW: 156,
  hostW: 96,
  hostH: 34,
  gap: 14,
  level: 118, // from one switch row to the next
  margin: 20,
};

// Returns { nodes: Map(name -> {kind, x, y, w, h, depth}), width, height,
// serverTop } with x the node's center and y its top; servers' boxes start
// at y and grow down with their VMs (height is where they start).
export function layoutTopology(topo, sizes = SIZES) {
  const s = { ...SIZES, ...sizes };
  const switches = topo.switches.map((x) => x.name);
  const isSwitch = new Set(switches);
  const adj = new Map(switches.map((n) => [n, []]));
  for (const l of topo.links) {
    if (isSwitch.has(l.a) && isSwitch.has(l.b) && l.a !== l.b) {
      adj.get(l.a).push(l.b);
      adj.get(l.b).push(l.a);
    }
  }
  const leaves = new Map(switches.map((n) => [n, []]));
  const above = new Map(switches.map((n) => [n, []]));

  // Breadth-first from the root, then from any switch it does not reach.
  const order = topo.root && isSwitch.has(topo.root)
    ? [topo.root, ...switches.filter((n) => n !== topo.root)]
    : switches;
  const depth = new Map();
  const children = new Map();
  const roots = [];
  for (const r of order) {
    if (depth.has(r)) continue;
    roots.push(r);
    depth.set(r, 0);
    const queue = [r];
    while (queue.length) {
      const n = queue.shift();
      children.set(n, []);
      for (const m of adj.get(n)) {
        if (depth.has(m)) continue;
        depth.set(m, depth.get(n) + 1);
        children.get(n).push(m);
        queue.push(m);
      }
    }
  }
  const rootSet = new Set(roots);
  for (const h of topo.hosts) {
    if (!isSwitch.has(h.switch)) continue;
    (rootSet.has(h.switch) ? above : leaves).get(h.switch).push({ name: h.name, kind: 'host' });
  }
  for (const v of topo.servers) {
    if (isSwitch.has(v.switch)) leaves.get(v.switch).push({ name: v.name, kind: 'server' });
  }

  const leafW = (l) => (l.kind === 'server' ? s.serverW : s.hostW);
  const width = new Map();
  const measure = (n) => {
    let w = 0;
    let k = 0;
    for (const c of children.get(n)) w += measure(c), k++;
    for (const l of leaves.get(n)) w += leafW(l), k++;
    w += Math.max(0, k - 1) * s.gap;
    const hosts = above.get(n);
    const hw = hosts.length * s.hostW + Math.max(0, hosts.length - 1) * s.gap;
    w = Math.max(w, s.switchW, hw);
    width.set(n, w);
    return w;
  };

  const anyAbove = roots.some((r) => above.get(r).length);
  const top = s.margin + (anyAbove ? s.hostH + 40 : 0);
  const nodes = new Map();
  let maxDepth = 0;
  const place = (n, left) => {
    const d = depth.get(n);
    maxDepth = Math.max(maxDepth, d);
    const w = width.get(n);
    const inner = [...children.get(n).map((c) => ({ c, w: width.get(c) })),
      ...leaves.get(n).map((l) => ({ l, w: leafW(l) }))];
    const used = inner.reduce((a, x) => a + x.w, 0) + Math.max(0, inner.length - 1) * s.gap;
    let cursor = left + (w - used) / 2;
    const centers = [];
    for (const x of inner) {
      if (x.c) {
        centers.push(place(x.c, cursor));
      } else {
        const y = top + (d + 1) * s.level;
        const h = x.l.kind === 'server' ? 0 : s.hostH;
        nodes.set(x.l.name, { kind: x.l.kind, x: cursor + x.w / 2, y, w: x.w, h, depth: d + 1 });
        centers.push(cursor + x.w / 2);
        maxDepth = Math.max(maxDepth, d + 1);
      }
      cursor += x.w + s.gap;
    }
    const cx = centers.length ? (centers[0] + centers[centers.length - 1]) / 2 : left + w / 2;
    nodes.set(n, { kind: 'switch', x: cx, y: top + d * s.level, w: s.switchW, h: s.switchH, depth: d });
    const hosts = above.get(n);
    let hx = cx - (hosts.length * s.hostW + Math.max(0, hosts.length - 1) * s.gap) / 2;
    for (const h of hosts) {
      nodes.set(h.name, { kind: 'host', x: hx + s.hostW / 2, y: s.margin, w: s.hostW, h: s.hostH, depth: -1 });
      hx += s.hostW + s.gap;
    }
    return cx;
  };

  let left = s.margin;
  for (const r of roots) {
    measure(r);
    place(r, left);
    left += width.get(r) + s.gap * 3;
  }
  const serverTop = top + maxDepth * s.level;
  return { nodes, width: Math.max(left - s.gap * 3 + s.margin, 200), height: serverTop, serverTop };
}

// The two ends of a link between placed nodes: from the bottom of the upper
// one to the top of the lower one (or side by side on one row).
export function linkEnds(a, b) {
  const upper = a.y <= b.y ? a : b;
  const lower = upper === a ? b : a;
  const flip = upper !== a;
  let p;
  if (upper.y === lower.y) {
    p = [upper.x, upper.y + upper.h / 2, lower.x, lower.y + lower.h / 2];
  } else {
    p = [upper.x, upper.y + (upper.h || 0), lower.x, lower.y];
  }
  return flip ? [p[2], p[3], p[0], p[1]] : p;
}
