// What the page shows, worked out from minidcd's answers: a link's state and
// load, figures in words, the VMs on each server, what each switch holds,
// an event in one line.  Pure functions: no DOM, no requests.

// A link's load one way: its utilisation of its bandwidth when it has one;
// without one, its rate on a log scale from 1 kbit/s (0) to 1 Gbit/s (1).
// 'scaled' (0..1) picks the colour and width.
export function linkLoad(flow, bandwidthMbit) {
  const bps = flow && typeof flow.bits_per_second === 'number' ? flow.bits_per_second : null;
  if (bps === null) return { bps: null, util: null, scaled: 0 };
  if (bandwidthMbit > 0) {
    const util = bps / (bandwidthMbit * 1e6);
    return { bps, util, scaled: Math.max(0, Math.min(1, util)) };
  }
  const scaled = bps <= 1e3 ? 0 : Math.min(1, Math.log10(bps / 1e3) / 6);
  return { bps, util: null, scaled };
}

// The colour step (0..4, CSS classes u0..u4) and stroke width of a load.
export function loadStep(scaled) {
  if (scaled < 0.02) return 0;
  if (scaled < 0.3) return 1;
  if (scaled < 0.6) return 2;
  if (scaled < 0.85) return 3;
  return 4;
}
export function loadWidth(scaled) {
  return 2 + 6 * scaled;
}

export function formatBps(bps) {
  if (bps === null || bps === undefined) return 'no reading yet';
  const units = [['Gbit/s', 1e9], ['Mbit/s', 1e6], ['kbit/s', 1e3]];
  for (const [u, f] of units) if (bps >= f) return `${(bps / f).toFixed(bps >= 10 * f ? 0 : 1)} ${u}`;
  return `${Math.round(bps)} bit/s`;
}

export function formatBytes(b) {
  if (b === null || b === undefined) return '?';
  const units = [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];
  for (const [u, f] of units) if (b >= f) return `${(b / f).toFixed(b >= 10 * f ? 0 : 1)} ${u}`;
  return `${b} B`;
}

export function formatPercent(x) {
  return x === null || x === undefined ? '?' : `${Math.round(x * 100)}%`;
}

// A link's words one way: "ovs1 → ovs2: 1.2 Mbit/s, 12% of 10 Mbit/s".
export function loadText(from, to, load, bandwidthMbit) {
  let t = `${from} → ${to}: ${formatBps(load.bps)}`;
  if (load.util !== null) t += `, ${formatPercent(load.util)} of ${formatBps(bandwidthMbit * 1e6)}`;
  return t;
}

// Each topology link's state: "down" when a switch end's port is down or
// the switch is not connected, or (between two switches) LLDP does not see
// it both ways; else "up".  'switches' and 'lldp' as GET /api/v1/switches
// and /api/v1/links answer.
export function linkStates(topo, switches, lldp) {
  const ports = new Map();
  const connected = new Map();
  for (const sw of switches) {
    connected.set(sw.name, !!sw.connected);
    for (const p of sw.ports || []) ports.set(`${sw.name}:${p.port}`, !!p.up);
  }
  const seen = new Set(lldp.map((l) => `${l.from}:${l.from_port}>${l.to}:${l.to_port}`));
  const isSwitch = new Set(topo.switches.map((s) => s.name));
  const out = new Map();
  for (const l of topo.links) {
    let up = true;
    for (const [n, p] of [[l.a, l.a_port], [l.b, l.b_port]]) {
      if (!isSwitch.has(n)) continue;
      if (!connected.get(n) || ports.get(`${n}:${p}`) === false) up = false;
    }
    if (up && isSwitch.has(l.a) && isSwitch.has(l.b)) {
      up = seen.has(`${l.a}:${l.a_port}>${l.b}:${l.b_port}`) && seen.has(`${l.b}:${l.b_port}>${l.a}:${l.a_port}`);
    }
    out.set(l.name, up ? 'up' : 'down');
  }
  return out;
}

// GET /api/v1/metrics indexed: servers by name (each with its VMs by name)
// and links by name.
export function indexMetrics(m) {
  const servers = new Map();
  for (const s of (m && m.servers) || []) {
    if (!s.server) continue;
    servers.set(s.server.name, { ...s.server, vms: new Map((s.vms || []).map((v) => [v.name, v])) });
  }
  const links = new Map(((m && m.links) || []).map((l) => [l.name, l]));
  return { servers, links };
}

// The VMs (GET /api/v1/vms) on each server, by name.
export function vmsByServer(vms) {
  const out = new Map();
  for (const v of [...vms].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
    if (!out.has(v.server)) out.set(v.server, []);
    out.get(v.server).push(v);
  }
  return out;
}

// What each switch holds for VMs that moved or scaled out: its balancers
// (an address spread over replicas) and rewrites (a home address to the
// current one), as tags with a short label and their whole mapping.
export function switchTags(balancers, rewrites) {
  const out = new Map();
  const add = (sw, tag) => {
    if (!out.has(sw)) out.set(sw, []);
    out.get(sw).push(tag);
  };
  for (const b of balancers || []) {
    const to = (b.backends || []).map((x) => x.ip);
    add(b.switch, {
      kind: 'balancer',
      key: b.address,
      label: `LB ${b.address} ×${to.length}`,
      title: `balancer on ${b.switch}: clients of ${b.address} spread over ${to.join(', ')}`,
      attrs: { address: b.address, backends: to.join(' ') },
    });
  }
  for (const r of rewrites || []) {
    add(r.switch, {
      kind: 'rewrite',
      key: r.old,
      label: `${r.old} ⇄ ${r.new}`,
      title: `rewrite on ${r.switch}: clients' ${r.old} is ${r.new} (MAC ${r.mac})`,
      attrs: { old: r.old, new: r.new },
    });
  }
  return out;
}

// The address a VM's clients use: the one a balancer spreads over it (a
// clone's), else its home address (kept through moves by a rewrite).
export function clientAddress(vm) {
  return vm.serves || vm.home_address || '';
}

// A VM's address in words: its current one, and the one its clients use
// when that is another.
export function vmAddress(vm) {
  const cur = (vm.current_address || '').split('/')[0];
  const home = clientAddress(vm);
  return home && home !== cur ? `${cur} (clients: ${home})` : cur;
}

function phasesText(phases) {
  return (phases || []).map((p) => `${p.phase} ${p.seconds.toFixed(2)} s`).join(', ');
}

// One event (as the stream gives it) in a line.
export function eventText(ev) {
  const q = ev.result && ev.result.qemu;
  switch (ev.type) {
    case 'switch.up':
    case 'switch.down':
      return `${ev.switch || ev.name || ''}`;
    case 'link.up':
    case 'link.down':
      return `${ev.from} → ${ev.to}`;
    case 'host.learned':
    case 'host.moved':
      return `${ev.ip || ''} at ${ev.switch || ''}:${ev.port || ''}`;
    case 'vm.booted':
      return `${ev.vm} on ${ev.target || ev.server || ''} in ${(ev.seconds || 0).toFixed(2)} s`;
    case 'vm.migrated':
    case 'vm.cloned': {
      let t = `${ev.vm} → ${ev.target}${ev.kind === 'clone' && ev.as ? ` as ${ev.as}` : ''} in ${(ev.seconds || 0).toFixed(2)} s`;
      if (q) t += `, downtime ${q.downtime_ms} ms`;
      if (ev.phases) t += ` (${phasesText(ev.phases)})`;
      return t;
    }
    case 'vm.destroyed':
    case 'vm.recovered':
    case 'vm.load':
      return `${ev.vm || ''}`;
    case 'vm.failed':
      return `${ev.vm || ''} ${ev.kind || ''}: ${ev.error || ''}`;
    case 'balancer.created':
    case 'balancer.changed':
    case 'balancer.removed':
      return `${ev.address} on ${ev.switch}: ${(ev.backends || []).map((b) => b.ip).join(', ')}`;
    case 'server.asleep':
    case 'server.awake':
      return `${ev.server || ''}`;
    case 'policy.decision':
      return `${ev.policy || ''}: ${decisionText(ev)}`;
    default: {
      const { id, type, time, ...rest } = ev;
      return JSON.stringify(rest).slice(0, 200);
    }
  }
}

// A policy decision's actions in words.
export function decisionText(ev) {
  const actions = ev.actions || (ev.plan && ev.plan.actions) || [];
  if (!actions.length) return 'nothing to do';
  return actions.map((a) => {
    const what = a.action || a.kind || a.op || '?';
    const vm = a.vm ? ` ${a.vm}` : '';
    const to = a.to || a.target ? ` → ${a.to || a.target}` : '';
    const server = !a.vm && a.server ? ` ${a.server}` : '';
    return `${what}${vm}${server}${to}`;
  }).join('; ');
}
