// The page: its state from minidcd's API, kept live by the event stream
// (each event refetches only what it changed, coalesced) and by one metrics
// request a second; the drawing and the panels render from that state.
import { Api, ApiError } from './api.js';
import {
  indexMetrics, linkStates, switchTags, vmsByServer,
} from './model.js';
import { Panels, chartSeries } from './panels.js';
import { TopologyView } from './view.js';

const METRICS_EVERY_MS = 1000;
const SLOW_EVERY_MS = 5000; // ports and agents' reachability, which no event announces
const HISTORY_EVERY_MS = 5000;
const OP_POLL_MS = 400;

function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (m) {
    sessionStorage.setItem('minidc-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem('minidc-token');
}

class App {
  constructor(token) {
    this.api = new Api(token);
    this.st = {
      topo: null, switches: [], lldp: [], servers: {}, vmList: [], balancers: [], rewrites: [],
      metrics: indexMetrics(null), links: new Map(), connected: new Map(), vms: new Map(),
      tags: new Map(), moving: new Set(), policy: null, policies: [],
      seq: {}, // how many times each kind was fetched: what a redraw must redo
    };
    this.derivedFrom = {};
    this.ops = new Map();
    this.opSeq = 0;
    this.decisions = [];
    this.selected = null;
    this.pending = new Map(); // what to refetch -> in flight
    this.dirty = new Set();
    this.renderQueued = false;
    this.renderMs = [];
    this.panels = new Panels(this);
    this.view = new TopologyView(document.getElementById('canvas'), {
      select: (kind, name) => this.select(kind, name),
      migrate: (vm, to) => this.migrate(vm, to),
    });
    document.getElementById('zoom-fit').addEventListener('click', () => this.view.setScale(null));
    document.getElementById('zoom-full').addEventListener('click', () => this.view.setScale(1));
    document.getElementById('show-legend').addEventListener('change', (e) => document.body.classList.toggle('no-legend', !e.target.checked));
  }

  async start() {
    const conn = document.getElementById('connection');
    try {
      this.st.topo = await this.api.get('/api/v1/topology');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        sessionStorage.removeItem('minidc-token');
        showTokenForm(e.message);
        return;
      }
      conn.dataset.state = 'lost';
      conn.textContent = e.message;
      setTimeout(() => this.start(), 2000);
      return;
    }
    document.getElementById('topology-name').textContent = this.st.topo.name;
    document.title = `minidc · ${this.st.topo.name}`;
    this.view.setTopology(this.st.topo);
    this.panels.setTopology(this.st.topo);
    await Promise.all(['switches', 'lldp', 'servers', 'vms', 'balancers', 'rewrites', 'policy', 'policies', 'metrics']
      .map((k) => this.fetch(k).catch((e) => console.warn(`${k}: ${e.message}`))));
    this.render();
    document.body.dataset.ready = 'true';
    this.readyMs = performance.now(); // from the navigation's start: bench/gui reads it
    this.stopEvents = this.api.follow(0, (ev) => this.onEvent(ev), (state, why) => {
      conn.dataset.state = state;
      conn.textContent = state === 'live' ? 'live' : `event stream lost: ${why || ''} (reconnecting)`;
      if (state === 'live') ['switches', 'lldp', 'servers', 'vms', 'balancers', 'rewrites', 'policy'].forEach((k) => this.refresh(k));
    });
    this.metricsLoop();
    setInterval(() => { this.refresh('switches'); this.refresh('servers'); }, SLOW_EVERY_MS);
    setInterval(() => this.loadHistory(), HISTORY_EVERY_MS);
  }

  // One kind of state from the API into this.st.
  async fetch(kind) {
    const a = this.api;
    switch (kind) {
      case 'switches': this.st.switches = (await a.get('/api/v1/switches')).switches; break;
      case 'lldp': this.st.lldp = (await a.get('/api/v1/links')).links; break;
      case 'servers': this.st.servers = (await a.get('/api/v1/servers')).servers; break;
      case 'vms': this.st.vmList = (await a.get('/api/v1/vms')).vms; break;
      case 'balancers': this.st.balancers = (await a.get('/api/v1/balancers')).balancers; break;
      case 'rewrites': this.st.rewrites = (await a.get('/api/v1/rewrites')).rewrites; break;
      case 'policy': this.st.policy = await a.get('/api/v1/policy'); break;
      case 'policies': this.st.policies = (await a.get('/api/v1/policies')).policies; break;
      case 'metrics': this.st.metrics = indexMetrics(await a.get('/api/v1/metrics')); break;
      default: throw new Error(`unknown state ${kind}`);
    }
    this.st.seq[kind] = (this.st.seq[kind] || 0) + 1;
  }

  // Refetches 'kind' soon: once if asked many times, again after the fetch
  // in flight if asked during it.
  refresh(kind) {
    if (this.pending.get(kind)) {
      this.dirty.add(kind);
      return;
    }
    this.pending.set(kind, true);
    this.fetch(kind)
      .catch((e) => console.warn(`${kind}: ${e.message}`))
      .finally(() => {
        this.pending.set(kind, false);
        this.queueRender();
        if (this.dirty.delete(kind)) this.refresh(kind);
      });
  }

  onEvent(ev) {
    this.eventBatch = this.eventBatch || [];
    this.eventBatch.push(ev);
    const t = ev.type || '';
    if (t.startsWith('switch.')) this.refresh('switches'), this.refresh('lldp');
    else if (t.startsWith('link.')) this.refresh('lldp'), this.refresh('switches');
    else if (t.startsWith('vm.')) ['vms', 'servers', 'balancers', 'rewrites'].forEach((k) => this.refresh(k));
    else if (t.startsWith('balancer.')) this.refresh('balancers');
    else if (t.startsWith('server.')) this.refresh('servers');
    else if (t.startsWith('policy.')) this.refresh('policy');
    if (t === 'policy.decision') {
      this.decisions.push(ev);
      if (this.decisions.length > 50) this.decisions.shift();
    }
    this.queueRender();
  }

  async metricsLoop() {
    const t0 = performance.now();
    try {
      await this.fetch('metrics');
      this.queueRender();
    } catch (e) {
      console.warn(`metrics: ${e.message}`);
    }
    setTimeout(() => this.metricsLoop(), Math.max(100, METRICS_EVERY_MS - (performance.now() - t0)));
  }

  queueRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render() {
    const st = this.st;
    if (!st.topo) return;
    const t0 = performance.now();
    // What comes from the answers is worked out again only when they changed.
    const seq = (...kinds) => kinds.map((k) => st.seq[k] || 0).join('.');
    const derive = (name, key, f) => {
      if (this.derivedFrom[name] !== key) {
        this.derivedFrom[name] = key;
        f();
      }
    };
    derive('links', seq('switches', 'lldp'), () => {
      st.links = linkStates(st.topo, st.switches, st.lldp);
      st.connected = new Map(st.switches.map((s) => [s.name, !!s.connected]));
    });
    derive('vms', seq('vms'), () => { st.vms = vmsByServer(st.vmList); });
    derive('tags', seq('balancers', 'rewrites'), () => { st.tags = switchTags(st.balancers, st.rewrites); });
    const moving = [...this.ops.values()].filter((o) => o.op && o.op.state === 'running' && (o.kind === 'migrate' || o.kind === 'clone')).map((o) => o.subject);
    st.moving = new Set(moving);
    st.version = {
      links: seq('switches', 'lldp', 'metrics'),
      servers: `${seq('servers', 'vms', 'metrics')}|${moving.join(',')}`,
      switches: seq('switches', 'lldp', 'balancers', 'rewrites'),
    };
    this.view.update(st);
    if (this.eventBatch) {
      this.panels.addEvents(this.eventBatch);
      this.eventBatch = null;
    }
    this.panels.renderDetails(st, this.selected);
    this.panels.renderOps(this.ops);
    const pkey = JSON.stringify([st.policy && st.policy.running, st.policy && st.policy.name, st.policy && st.policy.decisions, st.policies.length]);
    if (pkey !== this.policyKey) {
      this.policyKey = pkey;
      this.panels.renderPolicy(st.policy, st.policies);
    }
    if (this.decisions.length !== this.nDecisions) {
      this.nDecisions = this.decisions.length;
      this.panels.renderDecisions(this.decisions);
    }
    this.panels.renderInventory(st);
    const nVms = st.vmList.length;
    document.getElementById('summary').textContent =
      `${st.topo.switches.length} switches · ${st.topo.servers.length} servers · ${nVms} VM${nVms === 1 ? '' : 's'} · ${[...st.links.values()].filter((s) => s === 'down').length} links down`;
    document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
    // The last 200 renders' durations (ms), for bench/gui.
    this.renderMs.push(performance.now() - t0);
    if (this.renderMs.length > 200) this.renderMs.shift();
  }

  select(kind, name) {
    this.selected = kind ? { kind, name } : null;
    this.view.select(kind, name);
    this.panels.detailsKey = '';
    this.render();
    this.loadHistory();
  }

  async loadHistory() {
    const sel = this.selected;
    const spec = sel && chartSeries(sel, this.st.topo);
    if (!spec) return;
    const now = Date.now() / 1000;
    // Series names are letters, digits and _ . / : - (the API takes them unencoded).
    const q = `series=${spec.series.map((s) => s.name).join(',')}&since=${Math.floor(now - 300)}&max_points=300`;
    try {
      const hist = await this.api.get(`/api/v1/metrics/history?${q}`);
      if (this.selected === sel) this.panels.renderHistory(sel, hist, spec, now);
    } catch (e) {
      console.warn(`history: ${e.message}`);
    }
  }

  migrate(vm, to) {
    return this.act('migrate', vm, to, () => this.api.post(`/api/v1/vms/${encodeURIComponent(vm)}/migrate`, { to }));
  }

  // Starts an action: 'call' makes the request; an operation it answers
  // with (202 {operation}) is followed until it ends.
  async act(kind, subject, target, call) {
    const o = { seq: ++this.opSeq, kind, subject, target, op: null, error: null };
    this.ops.set(o.seq, o);
    this.queueRender();
    try {
      const r = await call();
      if (r && r.operation) {
        o.op = { id: r.operation, state: 'running', phases: [] };
        this.queueRender();
        await this.followOp(o);
      } else {
        o.op = { state: 'done' };
      }
    } catch (e) {
      o.error = e.message;
    }
    ['vms', 'servers', 'balancers', 'rewrites', 'policy'].forEach((k) => this.refresh(k));
    this.queueRender();
  }

  async followOp(o) {
    for (;;) {
      await new Promise((r) => setTimeout(r, OP_POLL_MS));
      try {
        o.op = await this.api.get(`/api/v1/operations/${o.op.id}`);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 404) {
          o.error = e.message;
          return;
        }
        continue;
      }
      this.queueRender();
      if (o.op.state !== 'running') return;
    }
  }
}

function showTokenForm(why) {
  const form = document.getElementById('token-form');
  form.hidden = false;
  document.getElementById('layout').hidden = true;
  document.getElementById('token-error').textContent = why || '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('minidc-token', document.getElementById('token-input').value.trim());
    window.location.reload();
  }, { once: true });
}

// A URL with another token, opened in this tab, is a new start.
window.addEventListener('hashchange', () => {
  if (/(?:^#|&)token=/.test(window.location.hash)) {
    takeToken();
    window.location.reload();
  }
});

const token = takeToken();
if (!token) {
  showTokenForm();
} else {
  const app = new App(token);
  window.minidc = app; // for the console, and for tests that read the page's state
  app.start();
}
