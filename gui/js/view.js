// The topology drawn in SVG: switches, servers with their VMs inside, the
// hosts, and every link with its load each way.  Built once per topology;
// each update changes only the attributes and texts that changed, so a lab
// of 64 servers and 256 VMs redraws in a few milliseconds.  Every element
// carries data-kind and data-name (and a <title>), for tests, screen
// readers and the tooltip on hover.
import { SIZES, layoutTopology, linkEnds } from './layout.js';
import {
  clientAddress, formatBytes, linkLoad, loadStep, loadText, loadWidth, vmAddress,
} from './model.js';

const NS = 'http://www.w3.org/2000/svg';
const SERVER_HEAD = 62;
const VM_ROW = 34;

function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

function setAttr(e, k, v) {
  const s = String(v);
  if (e.getAttribute(k) !== s) e.setAttribute(k, s);
}

// The tooltip of 'parent' (its <title>, made once and kept on it).
function title(parent, text) {
  let t = parent.minidcTitle;
  if (!t) {
    t = el('title', {}, parent);
    parent.minidcTitle = t;
  }
  setText(t, text);
}

export function serverHeight(nVms) {
  return SERVER_HEAD + Math.max(0, nVms) * VM_ROW + 6;
}

export class TopologyView {
  // 'on': { select(kind, name), migrate(vm, to) }
  constructor(container, on) {
    this.container = container;
    this.on = on;
    this.scale = null; // null: fit the width
    this.selected = null;
    this.svg = el('svg', { role: 'group', 'aria-label': 'topology' });
    container.appendChild(this.svg);
    this.drag = null;
    this.svg.addEventListener('pointerdown', (e) => this.pointerDown(e));
    this.svg.addEventListener('pointermove', (e) => this.pointerMove(e));
    this.svg.addEventListener('pointerup', (e) => this.pointerUp(e));
    this.svg.addEventListener('pointercancel', () => this.endDrag());
    // The container's width from the observer, never read in a redraw: a
    // read there would make the browser lay the page out at once.
    this.avail = 0;
    new ResizeObserver((entries) => {
      this.avail = entries[entries.length - 1].contentRect.width;
      this.resize();
    }).observe(container);
  }

  setTopology(topo) {
    this.topo = topo;
    this.layout = layoutTopology(topo);
    this.svg.replaceChildren();
    this.gLinks = el('g', { class: 'links' }, this.svg);
    this.gNodes = el('g', { class: 'nodes' }, this.svg);
    this.gTags = el('g', { class: 'tags' }, this.svg);
    this.gDrag = el('g', { class: 'drag' }, this.svg);
    this.links = new Map();
    this.nodes = new Map();
    this.servers = new Map();
    for (const l of topo.links) this.addLink(l);
    for (const s of topo.switches) this.addSwitch(s.name);
    for (const h of topo.hosts) this.addHost(h);
    for (const s of topo.servers) this.addServer(s);
    this.drawn = {};
    this.resize();
  }

  addLink(l) {
    const a = this.layout.nodes.get(l.a);
    const b = this.layout.nodes.get(l.b);
    if (!a || !b) return;
    const [x1, y1, x2, y2] = linkEnds(a, b);
    const g = el('g', { class: 'link', 'data-kind': 'link', 'data-name': l.name, 'data-state': 'up' }, this.gLinks);
    el('line', { class: 'hit', x1, y1, x2, y2 }, g);
    const ab = el('line', { class: 'ab u0', x1, y1, x2, y2 }, g);
    const ba = el('line', { class: 'ba u0', x1, y1, x2, y2 }, g);
    const label = el('text', { class: 'label', x: (x1 + x2) / 2 + 6, y: (y1 + y2) / 2, 'text-anchor': 'start' }, g);
    g.addEventListener('click', () => this.on.select('link', l.name));
    this.links.set(l.name, { l, g, ab, ba, label, p: [x1, y1, x2, y2], key: '' });
    title(g, `link ${l.a} – ${l.b}`);
  }

  addSwitch(name) {
    const p = this.layout.nodes.get(name);
    const g = el('g', { class: 'node switch', 'data-kind': 'switch', 'data-name': name, role: 'img', 'aria-label': `switch ${name}` }, this.gNodes);
    el('rect', { class: 'body', x: p.x - p.w / 2, y: p.y, width: p.w, height: p.h, rx: 6 }, g);
    const t = el('text', { x: p.x, y: p.y + p.h / 2 + 4, 'text-anchor': 'middle' }, g);
    t.textContent = name;
    title(g, `switch ${name}`);
    g.addEventListener('click', () => this.on.select('switch', name));
    this.nodes.set(name, { g, p, tagKey: '' });
  }

  addHost(h) {
    const p = this.layout.nodes.get(h.name);
    if (!p) return;
    const g = el('g', { class: 'node host', 'data-kind': 'host', 'data-name': h.name, role: 'img', 'aria-label': `host ${h.name} ${h.address}` }, this.gNodes);
    el('ellipse', { class: 'body', cx: p.x, cy: p.y + p.h / 2, rx: p.w / 2, ry: p.h / 2 }, g);
    const t = el('text', { x: p.x, y: p.y + p.h / 2 + 4, 'text-anchor': 'middle' }, g);
    t.textContent = h.name;
    title(g, `host ${h.name} (${h.address}, subnet ${h.subnet})`);
    g.addEventListener('click', () => this.on.select('host', h.name));
    this.nodes.set(h.name, { g, p });
  }

  addServer(s) {
    const p = this.layout.nodes.get(s.name);
    if (!p) return;
    const x0 = p.x - p.w / 2;
    const g = el('g', { class: 'node server', 'data-kind': 'server', 'data-name': s.name, 'data-power': 'on', role: 'group', 'aria-label': `server ${s.name}` }, this.gNodes);
    const body = el('rect', { class: 'body', x: x0, y: p.y, width: p.w, height: serverHeight(0), rx: 5 }, g);
    const name = el('text', { class: 'title', x: x0 + 8, y: p.y + 16 }, g);
    name.textContent = s.name;
    const power = el('text', { class: 'power', x: x0 + p.w - 8, y: p.y + 16, 'text-anchor': 'end' }, g);
    const bar = (y, label) => {
      const txt = el('text', { class: 'bar-label', x: x0 + 8, y }, g);
      txt.textContent = label;
      el('rect', { class: 'bar-bg', x: x0 + 8, y: y + 3, width: p.w - 16, height: 6, rx: 3 }, g);
      const fill = el('rect', { class: 'bar', x: x0 + 8, y: y + 3, width: 0, height: 6, rx: 3 }, g);
      return { txt, fill, w: p.w - 16 };
    };
    const cpu = bar(p.y + 31, 'CPU');
    const mem = bar(p.y + 50, 'memory');
    const vms = el('g', { class: 'vms' }, g);
    g.addEventListener('click', (e) => {
      if (!e.target.closest('.vm')) this.on.select('server', s.name);
    });
    this.servers.set(s.name, { s, g, p, body, power, cpu, mem, vms, vmKey: '', vmEls: new Map(), height: serverHeight(0) });
    this.nodes.set(s.name, { g, p });
  }

  // state: { links: Map(name -> 'up'|'down'), metrics: indexMetrics(),
  //   servers: GET /api/v1/servers' object, vms: vmsByServer(),
  //   connected: Map(switch -> connected), tags: switchTags(), moving: Set }
  // st.version: {links, servers, switches}, keys that change when what
  // those parts draw changed (absent: redraw all).
  update(st) {
    if (!this.topo) return;
    const v = st.version || {};
    const changed = (part) => {
      const fresh = v[part] === undefined || v[part] !== this.drawn[part];
      this.drawn[part] = v[part];
      return fresh;
    };
    if (changed('links')) {
      for (const [name, x] of this.links) this.updateLink(x, st.links.get(name) || 'up', st.metrics.links.get(name));
    }
    if (changed('switches')) this.updateSwitches(st);
    if (changed('servers')) this.updateServers(st);
  }

  updateSwitches(st) {
    for (const [name, n] of this.nodes) {
      if (!n.g.classList.contains('switch')) continue;
      const up = st.connected.get(name);
      n.g.classList.toggle('disconnected', up === false);
      setAttr(n.g, 'data-connected', up === false ? 'false' : 'true');
      setAttr(n.g, 'aria-label', `switch ${name}${up === false ? ', not connected' : ''}`);
      this.updateTags(name, n, st.tags.get(name) || []);
    }
  }

  updateServers(st) {
    let maxH = 0;
    let rebuilt = false;
    for (const [name, x] of this.servers) {
      rebuilt = this.updateServer(x, st.servers[name], st.metrics.servers.get(name), st.vms.get(name) || [], st.moving) || rebuilt;
      maxH = Math.max(maxH, x.height);
    }
    const h = this.layout.serverTop + maxH + SIZES.margin;
    if (h !== this.contentHeight) {
      this.contentHeight = h;
      this.resize();
    }
    if (rebuilt) this.markSelected(); // its element may be a new one
  }

  updateLink(x, state, m) {
    const down = state === 'down';
    x.g.classList.toggle('down', down);
    setAttr(x.g, 'data-state', state);
    const bw = x.l.bandwidth_mbit || (m && m.bandwidth_mbit) || 0;
    const ab = linkLoad(m && m.ab, bw);
    const ba = linkLoad(m && m.ba, bw);
    const [x1, y1, x2, y2] = x.p;
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const nx = -(y2 - y1) / len;
    const ny = (x2 - x1) / len;
    const wa = loadWidth(ab.scaled);
    const wb = loadWidth(ba.scaled);
    const key = `${state}|${wa.toFixed(1)}|${wb.toFixed(1)}|${loadStep(ab.scaled)}|${loadStep(ba.scaled)}`;
    if (key !== x.key) {
      x.key = key;
      const put = (line, off, w, step) => {
        setAttr(line, 'x1', x1 + nx * off);
        setAttr(line, 'y1', y1 + ny * off);
        setAttr(line, 'x2', x2 + nx * off);
        setAttr(line, 'y2', y2 + ny * off);
        setAttr(line, 'stroke-width', w);
        setAttr(line, 'class', `${line === x.ab ? 'ab' : 'ba'} u${step}`);
      };
      put(x.ab, -(wa / 2 + 0.5), wa, loadStep(ab.scaled));
      put(x.ba, wb / 2 + 0.5, wb, loadStep(ba.scaled));
    }
    const fmt = (v) => (v.util !== null ? `${Math.round(v.util * 100)}%` : '');
    setAttr(x.g, 'data-ab-bps', ab.bps === null ? '' : Math.round(ab.bps));
    setAttr(x.g, 'data-ba-bps', ba.bps === null ? '' : Math.round(ba.bps));
    setAttr(x.g, 'data-ab-utilization', ab.util === null ? '' : ab.util.toFixed(4));
    setAttr(x.g, 'data-ba-utilization', ba.util === null ? '' : ba.util.toFixed(4));
    const words = down
      ? `link ${x.l.a} – ${x.l.b}: down`
      : `${loadText(x.l.a, x.l.b, ab, bw)}\n${loadText(x.l.b, x.l.a, ba, bw)}`;
    title(x.g, words);
    setText(x.label, down ? 'down' : `${fmtShort(ab.bps)} ${fmt(ab)} / ${fmtShort(ba.bps)} ${fmt(ba)}`.replace(/\s+/g, ' ').trim());
  }

  updateTags(name, n, tags) {
    const key = tags.map((t) => t.kind + t.label + t.title).join('|');
    if (key === n.tagKey) return;
    n.tagKey = key;
    if (n.tags) n.tags.remove();
    n.tags = el('g', { class: 'switch-tags', 'data-switch': name }, this.gTags);
    const p = n.p;
    const shown = tags.slice(0, 4);
    shown.forEach((t, i) => {
      const attrs = { class: `tag ${t.kind}`, 'data-kind': t.kind, 'data-switch': name };
      for (const [k, v] of Object.entries(t.attrs)) attrs[`data-${k}`] = v;
      const g = el('g', attrs, n.tags);
      const w = Math.max(90, t.label.length * 6 + 10);
      const y = p.y + p.h + 4 + i * 16;
      el('rect', { x: p.x + p.w / 2 + 4, y, width: w, height: 14, rx: 3 }, g);
      const tx = el('text', { x: p.x + p.w / 2 + 9, y: y + 10.5 }, g);
      tx.textContent = t.label;
      title(g, t.title);
    });
    if (tags.length > shown.length) {
      const tx = el('text', { class: 'tag-more', x: p.x + p.w / 2 + 6, y: p.y + p.h + 4 + shown.length * 16 + 10 }, n.tags);
      tx.textContent = `+${tags.length - shown.length} more (see the switch)`;
    }
  }

  updateServer(x, info, m, vms, moving) {
    const asleep = info && info.asleep;
    const reachable = !info || info.reachable !== false;
    const power = asleep ? 'asleep' : reachable ? 'on' : 'unreachable';
    setAttr(x.g, 'data-power', power);
    x.g.classList.toggle('asleep', !!asleep);
    x.g.classList.toggle('unreachable', !reachable && !asleep);
    setText(x.power, power === 'on' ? '' : power);
    const cap = m ? (m.cpu_capacity || m.cpus || 0) : 0;
    const used = m ? m.cpu_used || 0 : 0;
    this.setBar(x.cpu, m ? `CPU ${used.toFixed(2)} of ${cap || '?'}${m.cpu_capacity ? '' : ' CPUs'}` : 'CPU: no reading yet', cap ? used / cap : 0);
    const memCap = (m && m.vm_capacity_mib) || (info && info.capacity_mib) || 0;
    const memUsed = m && m.vm_memory_mib !== undefined ? m.vm_memory_mib : (info && info.used_mib) || 0;
    this.setBar(x.mem, `memory ${memUsed} of ${memCap || '?'} MiB`, memCap ? memUsed / memCap : 0);
    setAttr(x.g, 'aria-label', `server ${x.s.name}, ${power}, ${vms.length} VM${vms.length === 1 ? '' : 's'}`);
    title(x.g, `server ${x.s.name} (${x.s.address}, subnet ${x.s.subnet}) ${power}\nCPU ${used.toFixed(2)} of ${cap}\nmemory for VMs ${memUsed} of ${memCap} MiB`);

    const key = vms.map((v) => `${v.name}@${v.current_address}@${clientAddress(v)}@${v.state}`).join(',');
    const rebuilt = key !== x.vmKey;
    if (rebuilt) {
      x.vmKey = key;
      x.vms.replaceChildren();
      x.vmEls = new Map();
      const x0 = x.p.x - x.p.w / 2;
      vms.forEach((v, i) => {
        const y = x.p.y + SERVER_HEAD + i * VM_ROW;
        const cur = (v.current_address || '').split('/')[0];
        const serves = clientAddress(v);
        const rewritten = serves && serves !== cur;
        const g = el('g', { class: `vm${rewritten ? ' rewritten' : ''}`, 'data-kind': 'vm', 'data-name': v.name, 'data-server': x.s.name, 'data-address': cur, 'data-serves': serves, role: 'img', 'aria-label': `VM ${v.name} on ${x.s.name}, ${vmAddress(v)}` }, x.vms);
        el('rect', { class: 'body', x: x0 + 6, y, width: x.p.w - 12, height: VM_ROW - 4, rx: 4 }, g);
        const n = el('text', { x: x0 + 12, y: y + 12 }, g);
        n.textContent = v.name;
        const cpu = el('text', { class: 'addr', x: x0 + x.p.w - 12, y: y + 12, 'text-anchor': 'end' }, g);
        const a = el('text', { class: 'addr', x: x0 + 12, y: y + 25 }, g);
        a.textContent = rewritten ? `${cur} (${serves})` : cur;
        el('rect', { class: 'bar-bg', x: x0 + 8, y: y + VM_ROW - 7, width: x.p.w - 16, height: 2 }, g);
        const bar = el('rect', { class: 'bar', x: x0 + 8, y: y + VM_ROW - 7, width: 0, height: 2 }, g);
        x.vmEls.set(v.name, { g, cpu, bar, v, w: x.p.w - 16 });
      });
      x.height = serverHeight(vms.length);
      setAttr(x.body, 'height', x.height);
    }
    for (const [name, e] of x.vmEls) {
      const vm = m && m.vms.get(name);
      e.g.classList.toggle('moving', moving.has(name));
      const u = vm && typeof vm.cpu_used === 'number' ? vm.cpu_used : null;
      const alloc = vm && vm.cpu_allocation ? vm.cpu_allocation : e.v.cpus || 1;
      setText(e.cpu, `${u === null ? '' : `${u.toFixed(2)} CPU · `}${e.v.memory_mib}M`);
      setAttr(e.bar, 'width', u === null ? 0 : (e.w * Math.min(1, u / alloc)).toFixed(1));
      title(e.g, `VM ${name} on ${x.s.name}\naddress ${vmAddress(e.v)}\nCPU ${u === null ? '?' : u.toFixed(2)} of ${alloc}\nmemory ${e.v.memory_mib} MiB${vm && vm.rss_bytes ? `, ${formatBytes(vm.rss_bytes)} resident` : ''}\n(drag onto another server to migrate)`);
    }
    return rebuilt;
  }

  setBar(b, text, frac) {
    setText(b.txt, text);
    const f = Math.max(0, Math.min(1, frac));
    setAttr(b.fill, 'width', (b.w * f).toFixed(1));
    b.fill.classList.toggle('hot', f > 0.85);
  }

  select(kind, name) {
    this.selected = kind ? { kind, name } : null;
    this.markSelected();
  }

  markSelected() {
    for (const e of this.svg.querySelectorAll('.selected')) e.classList.remove('selected');
    if (!this.selected) return;
    const e = this.svg.querySelector(`[data-kind="${this.selected.kind}"][data-name="${CSS.escape(this.selected.name)}"]`);
    if (e) e.classList.add('selected');
  }

  setScale(scale) {
    this.scale = scale;
    this.resize();
  }

  resize() {
    if (!this.layout) return;
    const w = this.layout.width;
    const h = this.contentHeight || this.layout.serverTop + serverHeight(0) + SIZES.margin;
    const avail = this.avail || w;
    const scale = this.scale || Math.max(0.25, Math.min(1.4, avail / w));
    setAttr(this.svg, 'viewBox', `0 0 ${w} ${h}`);
    setAttr(this.svg, 'width', Math.round(w * scale));
    setAttr(this.svg, 'height', Math.round(h * scale));
  }

  // Dragging a VM onto another server migrates it; a click selects.
  svgPoint(e) {
    const pt = this.svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    return pt.matrixTransform(this.svg.getScreenCTM().inverse());
  }

  serverAt(pt) {
    for (const [name, x] of this.servers) {
      const x0 = x.p.x - x.p.w / 2;
      if (pt.x >= x0 && pt.x <= x0 + x.p.w && pt.y >= x.p.y && pt.y <= x.p.y + x.height) return name;
    }
    return null;
  }

  pointerDown(e) {
    const vm = e.target.closest('.vm');
    if (!vm || e.button !== 0) return;
    e.preventDefault();
    this.drag = { vm: vm.dataset.name, from: vm.dataset.server, start: this.svgPoint(e), el: vm, moved: false };
    this.svg.setPointerCapture(e.pointerId);
  }

  pointerMove(e) {
    const d = this.drag;
    if (!d) return;
    const pt = this.svgPoint(e);
    if (!d.moved && Math.hypot(pt.x - d.start.x, pt.y - d.start.y) < 5) return;
    if (!d.moved) {
      d.moved = true;
      d.ghost = d.el.cloneNode(true);
      d.ghost.setAttribute('class', 'vm ghost');
      d.ghost.removeAttribute('data-kind');
      this.gDrag.appendChild(d.ghost);
    }
    d.ghost.setAttribute('transform', `translate(${pt.x - d.start.x} ${pt.y - d.start.y})`);
    const over = this.serverAt(pt);
    for (const [name, x] of this.servers) x.g.classList.toggle('drop-target', name === over && over !== d.from);
    d.over = over;
  }

  pointerUp(e) {
    const d = this.drag;
    if (!d) return;
    this.endDrag();
    if (!d.moved) this.on.select('vm', d.vm);
    else if (d.over && d.over !== d.from) this.on.migrate(d.vm, d.over);
  }

  endDrag() {
    const d = this.drag;
    this.drag = null;
    if (d && d.ghost) d.ghost.remove();
    for (const x of this.servers.values()) x.g.classList.remove('drop-target');
  }
}

function fmtShort(bps) {
  if (bps === null || bps === undefined) return '–';
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(1)}G`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)}M`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)}k`;
  return `${Math.round(bps)}`;
}
