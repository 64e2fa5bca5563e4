// gui/js/chart.js: the history chart's scale and paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartGeometry, niceCeil } from '../../../gui/js/chart.js';

test('the scale rounds up to 1, 2, 2.5 or 5 of a power of ten', () => {
  assert.deepEqual([0.07, 0.9, 1, 1.1, 2.2, 3, 7, 2.1e7].map(niceCeil), [0.1, 1, 1, 2, 2.5, 5, 10, 2.5e7]);
});

test('points inside the span, left to right, scaled to the height', () => {
  const g = chartGeometry([{ points: [[0, 5], [100, 0], [200, 1], [300, 2]] }], 300, 200, 200, 100);
  // t=0 is before the span; max 2 -> scale 2.
  assert.equal(g.max, 2);
  assert.equal(g.paths[0], 'M0.0,100.0L100.0,50.0L200.0,0.0');
});

test('nothing to draw: an empty path and a scale of 1', () => {
  const g = chartGeometry([{ points: [] }], 10, 5, 100, 50);
  assert.equal(g.paths[0], '');
  assert.equal(g.max, 1);
});
