// gui/js/api.js: the event stream's framing, however the bytes arrive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../../../gui/js/api.js';

const stream = 'id: 7\nevent: link.down\ndata: {"id":7,"type":"link.down","from":"ovs1"}\n\n'
  + ': keep-alive\n\n'
  + 'id: 8\r\nevent: vm.booted\r\ndata: {"type":"vm.booted","vm":"vm1"}\r\n\r\n';

test('events come whole, in order, from any split of the stream', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const got = [];
    const p = new SseParser((e) => got.push(e));
    p.push(stream.slice(0, cut));
    p.push(stream.slice(cut));
    assert.deepEqual(got.map((e) => [e.id, e.type]), [[7, 'link.down'], [8, 'vm.booted']], `cut at ${cut}`);
  }
});

test('byte by byte too, and nothing of a block not yet ended', () => {
  const got = [];
  const p = new SseParser((e) => got.push(e));
  for (const ch of stream.slice(0, -2)) p.push(ch);
  assert.equal(got.length, 1);
  p.push('\r\n');
  assert.equal(got.length, 2);
  assert.equal(got[1].vm, 'vm1');
});

test('a block without JSON data is no event', () => {
  const got = [];
  const p = new SseParser((e) => got.push(e));
  p.push('event: x\ndata: not json\n\nid: 3\n\n');
  assert.equal(got.length, 0);
});
