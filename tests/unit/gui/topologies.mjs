// Topologies as GET /api/v1/topology gives them, for the GUI's unit tests.

function link(a, ap, b, bp) {
  const n = (x, p) => (p ? `${x}:${p}` : x);
  return { name: `${n(a, ap)}-${n(b, bp)}`, a, a_port: ap || null, b, b_port: bp || null, bandwidth_mbit: null };
}

// The paper's Figure 1 (examples/fig1.yaml).
export const fig1 = {
  name: 'fig1',
  root: 'ovs1',
  switches: [1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `ovs${i}` })),
  servers: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({
    name: `server${i}`, switch: `ovs${4 + Math.floor((i - 1) / 2)}`, port: 2 + ((i - 1) % 2), address: `10.0.0.${i}`, subnet: 'n',
  })),
  hosts: [{ name: 'internet', switch: 'ovs1', port: 1, address: '203.0.113.1', subnet: 'internet' }],
  links: [
    link('ovs1', 1, 'internet'), link('ovs1', 2, 'ovs2', 1), link('ovs1', 3, 'ovs3', 1),
    link('ovs2', 2, 'ovs4', 1), link('ovs2', 3, 'ovs5', 1), link('ovs3', 2, 'ovs6', 1), link('ovs3', 3, 'ovs7', 1),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => link(`ovs${4 + Math.floor((i - 1) / 2)}`, 2 + ((i - 1) % 2), `server${i}`)),
  ],
};

// A tree of 'depth' switch levels, 'fanout' children each, 'perLeaf'
// servers on each leaf, and an Internet host on the root.
export function tree(depth, fanout, perLeaf) {
  const t = { name: 'tree', root: 's0', switches: [], servers: [], hosts: [], links: [] };
  let n = 0;
  const ports = new Map();
  const port = (s) => {
    ports.set(s, (ports.get(s) || 0) + 1);
    return ports.get(s);
  };
  const make = (level) => {
    const name = `s${n++}`;
    t.switches.push({ name });
    if (level === depth - 1) {
      for (let i = 0; i < perLeaf; i++) {
        const sv = `server${t.servers.length + 1}`;
        const p = port(name);
        t.servers.push({ name: sv, switch: name, port: p, address: '10.0.0.1', subnet: 'n' });
        t.links.push(link(name, p, sv));
      }
    } else {
      for (let i = 0; i < fanout; i++) {
        const c = make(level + 1);
        t.links.push(link(name, port(name), c, port(c)));
      }
    }
    return name;
  };
  make(0);
  t.hosts.push({ name: 'internet', switch: 's0', port: port('s0'), address: '203.0.113.1', subnet: 'internet' });
  t.links.push(link('s0', ports.get('s0'), 'internet'));
  return t;
}
