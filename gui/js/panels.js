// The panels beside the drawing: the selection's details, history and
// actions; the operations under way and done; the policy and its
// decisions; the events timeline; the inventory as text.  Each renders from
// the page's state and calls back into main.js for what it asks of minidcd.
import { drawChart } from './chart.js';
import {
  decisionText, eventText, formatBps, formatBytes, formatPercent, linkLoad, vmAddress,
} from './model.js';

// h('tag', {attr: v, onclick: f}, child...): an element.
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function dl(rows) {
  return h('dl', {}, rows.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function timeOf(t) {
  return new Date(t * 1000).toLocaleTimeString('en-GB', { hour12: false });
}

// What the selected thing's chart shows: its series in the history.
export function chartSeries(sel, topo) {
  switch (sel.kind) {
    case 'server':
      return { series: [{ name: `server/${sel.name}/cpu_used`, label: 'CPU used' }], unit: ' CPUs', format: (v) => v.toFixed(2) };
    case 'vm':
      return { series: [{ name: `vm/${sel.name}/cpu_used`, label: 'CPU used' }], unit: ' CPUs', format: (v) => v.toFixed(2) };
    case 'link': {
      const l = topo.links.find((x) => x.name === sel.name);
      return {
        series: [
          { name: `link/${sel.name}/ab_bps`, label: l ? `${l.a} → ${l.b}` : 'a → b' },
          { name: `link/${sel.name}/ba_bps`, label: l ? `${l.b} → ${l.a}` : 'b → a' },
        ],
        unit: '',
        format: formatBps,
        axis: (v) => formatBps(v).replace('bit/s', ''),
      };
    }
    default:
      return null;
  }
}

export class Panels {
  // app: the page (main.js): its state and its actions
  constructor(app) {
    this.app = app;
    this.details = document.getElementById('details-body');
    this.ops = document.getElementById('operations-list');
    this.events = document.getElementById('events-list');
    this.eventsCount = document.getElementById('events-count');
    this.policy = document.getElementById('policy-body');
    this.decisions = document.getElementById('decisions-list');
    this.inventory = document.getElementById('inventory-body');
    this.bootForm = document.getElementById('boot-form');
    this.inventoryKey = '';
    this.detailsKey = '';
    this.nEvents = 0;
    this.bootForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = new FormData(this.bootForm);
      const body = { name: f.get('name'), server: f.get('server') };
      if (f.get('memory_mib')) body.memory_mib = Number(f.get('memory_mib'));
      if (f.get('cpus')) body.cpus = Number(f.get('cpus'));
      if (f.get('cpu_share')) body.cpu_share = Number(f.get('cpu_share'));
      this.app.act('boot', body.name, body.server, () => this.app.api.post('/api/v1/vms', body));
    });
  }

  setTopology(topo) {
    const sel = this.bootForm.elements.server;
    sel.replaceChildren(...topo.servers.map((s) => h('option', { value: s.name }, s.name)));
  }

  // The selection's details, redrawn when what they show changed (the
  // inputs of its actions kept as they are otherwise).
  renderDetails(st, sel) {
    if (!sel) {
      this.detailsKey = '';
      this.details.replaceChildren(h('p', { class: 'hint' }, 'Click a switch, server, VM or link.'));
      return;
    }
    const body = this[`${sel.kind}Details`](st, sel.name);
    if (!body) {
      this.details.replaceChildren(h('p', { class: 'hint' }, `${sel.kind} ${sel.name} is gone.`));
      return;
    }
    const key = `${sel.kind}:${sel.name}:${body.key}`;
    if (key === this.detailsKey) {
      const live = this.details.querySelector('.live');
      if (live) live.replaceWith(body.live);
      return;
    }
    this.detailsKey = key;
    this.details.replaceChildren(h('h3', {}, `${sel.kind} ${sel.name}`), body.live, body.rest || '', h('div', { class: 'history' }));
  }

  switchDetails(st, name) {
    const sw = st.switches.find((s) => s.name === name);
    if (!sw) return null;
    const tags = st.tags.get(name) || [];
    const c = sw.connection || {};
    const live = h('div', { class: 'live' }, dl([
      ['datapath', sw.dpid],
      ['connected', sw.connected ? `yes, OpenFlow ${c.openflow || '?'}${c.tls ? ' over TLS' : ''}` : 'no'],
      ['ports', (sw.ports || []).map((p) => `${p.port} ${p.up ? 'up' : 'down'}`).join(', ')],
      ['holds', tags.length ? h('ul', {}, tags.map((t) => h('li', { 'data-kind': t.kind }, t.title))) : 'no balancer or rewrite'],
    ]));
    const flows = h('pre', { class: 'flows' });
    const rest = h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        onclick: async () => {
          flows.textContent = 'asking the switch…';
          try {
            const r = await this.app.api.get(`/api/v1/flows/${encodeURIComponent(name)}`);
            flows.textContent = `${r.flows.length} flows\n${r.flows.map((f) => JSON.stringify(f)).join('\n')}`;
          } catch (e) {
            flows.textContent = e.message;
          }
        },
      }, 'flow table'), flows);
    return { key: `${sw.connected}|${tags.length}`, live, rest };
  }

  hostDetails(st, name) {
    const x = st.topo.hosts.find((s) => s.name === name);
    if (!x) return null;
    return { key: '', live: h('div', { class: 'live' }, dl([['address', x.address], ['subnet', x.subnet], ['switch', `${x.switch} port ${x.port}`]])) };
  }

  serverDetails(st, name) {
    const x = st.topo.servers.find((s) => s.name === name);
    if (!x) return null;
    const info = st.servers[name] || {};
    const m = st.metrics.servers.get(name);
    const vms = st.vms.get(name) || [];
    const live = h('div', { class: 'live' }, dl([
      ['address', `${x.address} (subnet ${x.subnet}, on ${x.switch} port ${x.port})`],
      ['state', info.asleep ? 'asleep' : info.reachable === false ? 'agent unreachable' : 'on'],
      ['QEMU', info.qemu_version ? `${info.qemu_version} (${info.accel}, ${info.migration} migration)` : '?'],
      ['CPU', m ? `${(m.cpu_used || 0).toFixed(2)} used of ${m.cpu_capacity || m.cpus} (${formatPercent(m.cpu_utilization)})` : 'no reading yet'],
      ['memory', `${m ? m.vm_memory_mib : info.used_mib} of ${info.capacity_mib || (m && m.vm_capacity_mib)} MiB for VMs`],
      ['VMs', vms.length ? vms.map((v) => v.name).join(', ') : 'none'],
    ]));
    const rest = h('div', { class: 'actions' },
      info.asleep
        ? h('button', { type: 'button', onclick: () => this.app.act('wake', name, null, () => this.app.api.post(`/api/v1/servers/${name}/wake`, {})) }, 'wake')
        : h('button', { type: 'button', onclick: () => this.app.act('sleep', name, null, () => this.app.api.post(`/api/v1/servers/${name}/sleep`, {})) }, 'sleep'),
      h('button', {
        type: 'button',
        onclick: () => {
          this.bootForm.elements.server.value = name;
          this.bootForm.elements.name.focus();
        },
      }, 'boot a VM here'));
    return { key: `${info.asleep}|${vms.length}`, live, rest };
  }

  vmDetails(st, name) {
    const v = st.vmList.find((x) => x.name === name);
    if (!v) return null;
    const m = st.metrics.servers.get(v.server);
    const vm = m && m.vms.get(name);
    const others = st.topo.servers.map((s) => s.name).filter((s) => s !== v.server);
    const live = h('div', { class: 'live' }, dl([
      ['server', v.server],
      ['address', vmAddress(v)],
      ['MAC', v.mac],
      ['state', v.state],
      ['CPU', vm ? `${(vm.cpu_used || 0).toFixed(2)} of ${vm.cpu_allocation || v.cpus} (${v.cpus} vCPU${v.cpus > 1 ? 's' : ''}${v.cpu_share ? `, share ${v.cpu_share}` : ''})` : '?'],
      ['memory', `${v.memory_mib} MiB${vm && vm.rss_bytes ? `, ${formatBytes(vm.rss_bytes)} resident` : ''}`],
    ]));
    const opts = () => others.map((s) => h('option', { value: s }, s));
    const to = h('select', { id: 'migrate-to', 'aria-label': 'migrate to' }, opts());
    const cloneTo = h('select', { id: 'clone-to', 'aria-label': 'clone to' }, opts());
    const as = h('input', { id: 'clone-as', placeholder: `${name}-c1`, size: 8, 'aria-label': 'clone name' });
    const balance = h('input', { id: 'clone-balance', type: 'checkbox', checked: true });
    const rest = h('div', {},
      h('div', { class: 'actions' }, h('label', {}, 'migrate to ', to),
        h('button', { id: 'migrate', type: 'button', onclick: () => this.app.migrate(name, to.value) }, 'migrate')),
      h('div', { class: 'actions' }, h('label', {}, 'clone to ', cloneTo), as,
        h('label', {}, balance, ' balance'),
        h('button', {
          id: 'clone',
          type: 'button',
          onclick: () => {
            const body = { to: cloneTo.value, balance: balance.checked };
            if (as.value) body.as = as.value;
            this.app.act('clone', name, cloneTo.value, () => this.app.api.post(`/api/v1/vms/${encodeURIComponent(name)}/clone`, body));
          },
        }, 'clone')),
      h('div', { class: 'actions' }, h('button', {
        id: 'stop',
        type: 'button',
        onclick: () => {
          if (window.confirm(`Stop ${name} and remove everything of it?`)) {
            this.app.act('stop', name, null, () => this.app.api.del(`/api/v1/vms/${encodeURIComponent(name)}?graceful=1`));
          }
        },
      }, 'stop')));
    return { key: `${v.server}|${v.current_address}|${v.state}`, live, rest };
  }

  linkDetails(st, name) {
    const l = st.topo.links.find((x) => x.name === name);
    if (!l) return null;
    const m = st.metrics.links.get(name);
    const bw = l.bandwidth_mbit || 0;
    const ab = linkLoad(m && m.ab, bw);
    const ba = linkLoad(m && m.ba, bw);
    const pct = (x) => (x.util === null ? '' : ` (${formatPercent(x.util)})`);
    const live = h('div', { class: 'live' }, dl([
      ['ends', `${l.a}${l.a_port ? ` port ${l.a_port}` : ''} – ${l.b}${l.b_port ? ` port ${l.b_port}` : ''}`],
      ['state', st.links.get(name) || '?'],
      ['bandwidth', bw ? formatBps(bw * 1e6) : 'not set (as fast as the datapath)'],
      [`${l.a} → ${l.b}`, `${formatBps(ab.bps)}${pct(ab)}`],
      [`${l.b} → ${l.a}`, `${formatBps(ba.bps)}${pct(ba)}`],
    ]));
    return { key: '', live };
  }

  // The selection's history chart, from GET /api/v1/metrics/history.
  renderHistory(sel, hist, spec, now) {
    const box = this.details.querySelector('.history');
    if (!box) return;
    const series = spec.series.map((s) => ({ ...s, points: (hist.series && hist.series[s.name]) || [] }));
    const legend = h('div', { class: 'chart-legend' }, series.map((s, i) => h('span', { class: `k${i}` }, `■ ${s.label}  `)), '(last 5 minutes)');
    box.replaceChildren(drawChart(series, { now, span: 300, unit: spec.unit, format: spec.format, axis: spec.axis }), legend);
  }

  renderOps(ops) {
    const items = [...ops.values()].sort((a, b) => b.seq - a.seq).slice(0, 12);
    this.ops.replaceChildren(...items.map((o) => {
      const op = o.op || {};
      const state = o.error ? 'failed' : op.state || 'starting';
      const what = `${o.kind} ${o.subject}${o.target ? ` → ${o.target}` : ''}`;
      let detail = '';
      if (o.error) detail = o.error;
      else if (op.error) detail = op.error;
      else if (op.state === 'running') detail = `${op.current || ''} ${(op.seconds || 0).toFixed(1)} s`;
      else if (op.seconds !== undefined) {
        const q = op.result && op.result.qemu;
        detail = `in ${op.seconds.toFixed(2)} s${q ? `, downtime ${q.downtime_ms} ms` : ''}`;
      }
      const phases = (op.phases || []).map((p) => `${p.phase} ${p.seconds.toFixed(2)}`).join(' · ');
      return h('li', { 'data-kind': o.kind, 'data-subject': o.subject, 'data-state': state, 'data-operation': op.id || '' },
        h('span', {}, what, ': '), h('span', { class: `op-state ${state}` }, state), ' ', detail,
        phases ? h('div', { class: 'phases' }, phases) : null);
    }));
  }

  renderPolicy(policy, policies) {
    if (policy && policy.running) {
      const params = Object.entries(policy.params || {}).map(([k, v]) => `${k}=${v}`).join(', ');
      this.policy.replaceChildren(dl([
        ['policy', `${policy.name}${policy.dry_run ? ' (dry run: decides, does nothing)' : ''}`],
        ['params', params || 'defaults'],
        ['every', `${policy.interval_s} s (next in ${Math.round(policy.next_in_s)} s)`],
        ['decided', `${policy.decisions} times, ${policy.plans} plans, ${policy.failures} failures`],
      ]), h('div', { class: 'actions' }, h('button', { type: 'button', id: 'policy-stop', onclick: () => this.app.act('policy stop', policy.name, null, () => this.app.api.del('/api/v1/policy')) }, 'stop the policy')));
      return;
    }
    const names = (policies || []).map((p) => p.name);
    const sel = h('select', { id: 'policy-name', 'aria-label': 'policy' }, names.map((n) => h('option', { value: n }, n)));
    const every = h('input', { type: 'number', min: 1, value: 10, size: 4, 'aria-label': 'every (seconds)' });
    const params = h('input', { placeholder: 'threshold=0.8, …', size: 14, 'aria-label': 'parameters' });
    const dry = h('input', { type: 'checkbox' });
    this.policy.replaceChildren(h('p', { class: 'hint' }, 'No policy runs.'), h('div', { class: 'actions' },
      sel, h('label', {}, 'every ', every, ' s'), params, h('label', {}, dry, ' dry run'),
      h('button', {
        type: 'button',
        onclick: () => {
          const p = {};
          for (const kv of params.value.split(',').map((x) => x.trim()).filter(Boolean)) {
            const i = kv.indexOf('=');
            if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
          }
          this.app.act('policy', sel.value, null, () => this.app.api.post('/api/v1/policy', {
            name: sel.value, params: p, interval_s: Number(every.value), dry_run: dry.checked,
          }));
        },
      }, 'run')));
  }

  renderDecisions(decisions) {
    this.decisions.replaceChildren(...decisions.slice(-8).reverse().map((d) => h('li', { 'data-decision': d.decision },
      h('span', { class: 't' }, timeOf(d.time)), ` #${d.decision} `, d.error ? `could not decide: ${d.error}` : decisionText(d),
      d.dry_run ? ' (dry run)' : '', d.plan ? ` → plan ${d.plan}` : '')));
  }

  // The events timeline: newest on top, the last 300 kept.
  addEvents(evs) {
    if (!evs.length) return;
    const frag = document.createDocumentFragment();
    for (const ev of evs.slice().reverse()) {
      frag.append(h('li', { 'data-type': ev.type, 'data-id': ev.id },
        h('span', { class: 't' }, timeOf(ev.time)), h('span', { class: 'k' }, ev.type), h('span', {}, eventText(ev))));
    }
    this.events.prepend(frag);
    while (this.events.childElementCount > 300) this.events.lastElementChild.remove();
    this.nEvents += evs.length;
    this.eventsCount.textContent = `(${this.nEvents})`;
  }

  // Everything drawn, as text: names and states (not the moving figures).
  renderInventory(st) {
    const sw = st.topo.switches.map((s) => `${s.name}:${st.connected.get(s.name)}`);
    const vms = st.vmList.map((v) => `${v.name}@${v.server}@${v.current_address}`);
    const links = [...st.links].map(([n, s]) => `${n}:${s}`);
    const servers = st.topo.servers.map((s) => `${s.name}:${(st.servers[s.name] || {}).asleep}`);
    const key = [sw, vms, links, servers].map((x) => x.join(',')).join('|');
    if (key === this.inventoryKey) return;
    this.inventoryKey = key;
    const list = (label, kind, items) => h('section', {}, h('h3', {}, `${label} (${items.length})`),
      h('ul', { 'data-list': kind }, items.map(([name, text, extra]) => h('li', { 'data-kind': kind, 'data-name': name }, text, extra || ''))));
    this.inventory.replaceChildren(
      list('Switches', 'switch', st.topo.switches.map((s) => [s.name, `${s.name}${st.connected.get(s.name) === false ? ' (not connected)' : ''}`])),
      list('Hosts', 'host', st.topo.hosts.map((x) => [x.name, `${x.name} ${x.address}`])),
      list('Servers', 'server', st.topo.servers.map((s) => {
        const vs = st.vms.get(s.name) || [];
        const info = st.servers[s.name] || {};
        return [s.name, `${s.name} ${s.address}${info.asleep ? ' (asleep)' : ''}: ${vs.length} VM${vs.length === 1 ? '' : 's'}`,
          vs.length ? h('ul', {}, vs.map((v) => h('li', { 'data-kind': 'vm', 'data-name': v.name, 'data-server': s.name }, `${v.name} ${vmAddress(v)}`))) : ''];
      })),
      list('Links', 'link', st.topo.links.map((l) => [l.name, `${l.name}: ${st.links.get(l.name) || '?'}`])),
    );
  }
}
