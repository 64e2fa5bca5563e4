// gui/js/layout.js: the tree drawn as the paper draws Figure 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIZES, layoutTopology, linkEnds } from '../../../gui/js/layout.js';
import { fig1, tree } from './topologies.mjs';

test('fig1: the root on top, each level below its parent, servers under their switch', () => {
  const l = layoutTopology(fig1);
  const n = (x) => l.nodes.get(x);
  assert.equal(n('ovs1').depth, 0);
  for (const s of ['ovs2', 'ovs3']) assert.equal(n(s).depth, 1);
  for (const s of ['ovs4', 'ovs5', 'ovs6', 'ovs7']) assert.equal(n(s).depth, 2);
  assert.ok(n('internet').y < n('ovs1').y, 'the Internet above the root');
  assert.ok(n('ovs1').y < n('ovs2').y && n('ovs2').y < n('ovs4').y && n('ovs4').y < n('server1').y);
  // Parents centred over their children, children left to right in file order.
  assert.equal(n('ovs2').x, (n('ovs4').x + n('ovs5').x) / 2);
  assert.equal(n('ovs1').x, (n('ovs2').x + n('ovs3').x) / 2);
  assert.equal(n('ovs4').x, (n('server1').x + n('server2').x) / 2);
  const xs = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => n(`server${i}`).x);
  assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
  assert.ok(xs.every((x, i) => !i || x - xs[i - 1] >= SIZES.serverW), 'servers do not overlap');
  assert.ok(l.width >= 8 * SIZES.serverW);
});

test('every node of a 64-server tree is placed once, inside the width', () => {
  const t = tree(3, 4, 4); // 1 + 4 + 16 switches... 64 servers
  const l = layoutTopology(t);
  assert.equal(l.nodes.size, t.switches.length + t.servers.length + t.hosts.length);
  for (const [name, p] of l.nodes) {
    assert.ok(p.x - p.w / 2 >= 0 && p.x + p.w / 2 <= l.width, `${name} inside`);
  }
  const row = t.servers.map((s) => l.nodes.get(s.name)).sort((a, b) => a.x - b.x);
  for (let i = 1; i < row.length; i++) assert.ok(row[i].x - row[i - 1].x >= SIZES.serverW);
});

test('a loop is drawn as its breadth-first tree from the root; an unreached switch on its own', () => {
  const t = structuredClone(fig1);
  t.links.push({ name: 'ovs4:9-ovs5:9', a: 'ovs4', a_port: 9, b: 'ovs5', b_port: 9 });
  t.switches.push({ name: 'lone' });
  const l = layoutTopology(t);
  assert.equal(l.nodes.get('ovs4').depth, 2);
  assert.equal(l.nodes.get('ovs5').depth, 2);
  assert.equal(l.nodes.get('lone').depth, 0);
  assert.ok(l.nodes.get('lone').x > l.nodes.get('server8').x);
});

test('without a root, the first switch is', () => {
  const t = { ...fig1, root: null };
  assert.equal(layoutTopology(t).nodes.get('ovs1').depth, 0);
});

test('a link runs from the bottom of the upper node to the top of the lower one', () => {
  const a = { x: 10, y: 0, w: 20, h: 30 };
  const b = { x: 50, y: 100, w: 20, h: 0 };
  assert.deepEqual(linkEnds(a, b), [10, 30, 50, 100]);
  assert.deepEqual(linkEnds(b, a), [50, 100, 10, 30]);
});
