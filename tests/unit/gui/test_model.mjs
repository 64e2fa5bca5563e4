// gui/js/model.js: links' states and loads, what switches hold, events in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decisionText, eventText, formatBps, indexMetrics, linkLoad, linkStates, loadStep, loadWidth,
  switchTags, vmAddress, vmsByServer,
} from '../../../gui/js/model.js';
import { fig1 } from './topologies.mjs';

test('a load is its share of the bandwidth, else a log scale of its rate', () => {
  assert.deepEqual(linkLoad({ bits_per_second: 25e6 }, 100), { bps: 25e6, util: 0.25, scaled: 0.25 });
  assert.equal(linkLoad({ bits_per_second: 150e6 }, 100).scaled, 1, 'over the bandwidth is full');
  assert.equal(linkLoad({ bits_per_second: 1e9 }, null).scaled, 1);
  assert.equal(linkLoad({ bits_per_second: 1e6 }, null).scaled, 0.5);
  assert.equal(linkLoad({ bits_per_second: 500 }, null).scaled, 0);
  assert.equal(linkLoad({ bits_per_second: 1e6 }, null).util, null);
  assert.deepEqual(linkLoad(null, 100), { bps: null, util: null, scaled: 0 });
  assert.deepEqual(linkLoad({ bits_per_second: null }, 100), { bps: null, util: null, scaled: 0 });
});

test('steps and widths grow with the load', () => {
  const steps = [0, 0.1, 0.4, 0.7, 0.9].map(loadStep);
  assert.deepEqual(steps, [0, 1, 2, 3, 4]);
  assert.ok(loadWidth(1) > loadWidth(0.5) && loadWidth(0.5) > loadWidth(0));
});

test('figures in words', () => {
  assert.equal(formatBps(null), 'no reading yet');
  assert.equal(formatBps(512), '512 bit/s');
  assert.equal(formatBps(1500), '1.5 kbit/s');
  assert.equal(formatBps(20.9e6), '21 Mbit/s');
  assert.equal(formatBps(1.25e9), '1.3 Gbit/s');
});

const switchesUp = () => fig1.switches.map((s) => ({
  name: s.name,
  connected: true,
  ports: [1, 2, 3].map((port) => ({ port, up: true })),
}));
const lldpAll = () => fig1.links.filter((l) => l.a_port && l.b_port).flatMap((l) => [
  { from: l.a, from_port: l.a_port, to: l.b, to_port: l.b_port },
  { from: l.b, from_port: l.b_port, to: l.a, to_port: l.a_port },
]);

test('every link up when LLDP sees them both ways and ports are up', () => {
  const s = linkStates(fig1, switchesUp(), lldpAll());
  assert.equal(s.size, 15);
  assert.ok([...s.values()].every((x) => x === 'up'));
});

test('a link LLDP misses one way is down; a port down takes its server link down', () => {
  const lldp = lldpAll().filter((l) => !(l.from === 'ovs2' && l.to === 'ovs1'));
  const sw = switchesUp();
  sw.find((x) => x.name === 'ovs4').ports[1].up = false; // port 2: server1
  const s = linkStates(fig1, sw, lldp);
  assert.equal(s.get('ovs1:2-ovs2:1'), 'down');
  assert.equal(s.get('ovs4:2-server1'), 'down');
  assert.equal(s.get('ovs4:3-server2'), 'up');
  assert.equal([...s.values()].filter((x) => x === 'down').length, 2);
});

test('a switch not connected takes all its links down', () => {
  const sw = switchesUp();
  sw.find((x) => x.name === 'ovs7').connected = false;
  const s = linkStates(fig1, sw, lldpAll());
  assert.deepEqual([...s].filter(([, v]) => v === 'down').map(([k]) => k).sort(),
    ['ovs3:3-ovs7:1', 'ovs7:2-server7', 'ovs7:3-server8']);
});

test('metrics indexed by server (with their VMs) and link', () => {
  const m = indexMetrics({
    servers: [{ server: { name: 'server1', cpu_used: 0.5 }, vms: [{ name: 'vm1', cpu_used: 0.2 }] }],
    links: [{ name: 'ovs1:2-ovs2:1', ab: {}, ba: {} }],
  });
  assert.equal(m.servers.get('server1').cpu_used, 0.5);
  assert.equal(m.servers.get('server1').vms.get('vm1').cpu_used, 0.2);
  assert.ok(m.links.has('ovs1:2-ovs2:1'));
  assert.equal(indexMetrics(null).servers.size, 0);
});

test('VMs by server, in natural order', () => {
  const by = vmsByServer([{ name: 'vm10', server: 's1' }, { name: 'vm2', server: 's1' }, { name: 'a', server: 's2' }]);
  assert.deepEqual(by.get('s1').map((v) => v.name), ['vm2', 'vm10']);
  assert.deepEqual(by.get('s2').map((v) => v.name), ['a']);
});

test('a switch holds its balancers and rewrites, with what they map', () => {
  const tags = switchTags(
    [{ address: '198.51.100.3', switch: 'ovs2', backends: [{ ip: '198.51.100.3' }, { ip: '198.18.2.1' }] }],
    [{ old: '198.51.100.4', new: '198.18.4.1', mac: '02:00:00:00:00:01', switch: 'ovs1' }],
  );
  assert.equal(tags.get('ovs2')[0].kind, 'balancer');
  assert.match(tags.get('ovs2')[0].title, /198\.51\.100\.3 spread over 198\.51\.100\.3, 198\.18\.2\.1/);
  assert.equal(tags.get('ovs2')[0].label, 'LB 198.51.100.3 ×2');
  assert.deepEqual(tags.get('ovs1')[0].attrs, { old: '198.51.100.4', new: '198.18.4.1' });
});

test('a VM moved across subnets shows the address its clients use', () => {
  assert.equal(vmAddress({ current_address: '198.18.3.1/24', serves: '198.51.100.3' }), '198.18.3.1 (clients: 198.51.100.3)');
  assert.equal(vmAddress({ current_address: '198.51.100.3/24', serves: '198.51.100.3' }), '198.51.100.3');
  assert.equal(vmAddress({ current_address: '198.18.3.1/24', home_address: '198.51.100.4', serves: null }), '198.18.3.1 (clients: 198.51.100.4)');
  assert.equal(vmAddress({ current_address: '198.18.2.1/24', home_address: '198.18.2.1', serves: '198.51.100.3' }), '198.18.2.1 (clients: 198.51.100.3)');
});

test('events in a line', () => {
  assert.equal(eventText({ type: 'link.down', from: 'ovs1', to: 'ovs2' }), 'ovs1 → ovs2');
  assert.equal(eventText({
    type: 'vm.migrated', vm: 'vm1', target: 'server5', seconds: 3.9, result: { qemu: { downtime_ms: 39 } },
    phases: [{ phase: 'migrate', seconds: 2.5 }],
  }), 'vm1 → server5 in 3.90 s, downtime 39 ms (migrate 2.50 s)');
  assert.equal(eventText({ type: 'balancer.created', address: 'a', switch: 'ovs1', backends: [{ ip: 'b' }, { ip: 'c' }] }), 'a on ovs1: b, c');
  assert.match(eventText({ type: 'something.new', id: 1, time: 2, x: 3 }), /"x":3/);
});

test('a policy decision in words', () => {
  assert.equal(decisionText({ actions: [] }), 'nothing to do');
  assert.equal(decisionText({ actions: [{ action: 'migrate', vm: 'vm2', to: 'server3' }, { action: 'sleep', server: 'server1' }] }),
    'migrate vm2 → server3; sleep server1');
});
