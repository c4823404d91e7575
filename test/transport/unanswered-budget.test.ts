import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  busyConnections,
  joinBusy,
  leaveBusy,
  MAX_SHARES,
  sharedWindow,
} from '../../src/transport/unanswered-budget.ts';

describe('sharedWindow', () => {
  it('divides a window among the busy connections, at most MAX_SHARES ways, and gives it back as they leave', () => {
    assert.equal(busyConnections(), 0);
    const MiB = 1024 * 1024;
    const seen: number[] = [];
    seen.push(sharedWindow(2 * MiB));
    for (let n = 1; n <= 10; n++) {
      joinBusy();
      seen.push(sharedWindow(2 * MiB));
    }
    assert.equal(MAX_SHARES, 8);
    assert.deepEqual(
      seen.map((bytes) => bytes / 1024),
      [2048, 2048, 1024, 2048 / 3, 512, 2048 / 5, 2048 / 6, 2048 / 7, 256, 256, 256],
    );
    assert.equal(sharedWindow(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    for (let n = 10; n > 0; n--) leaveBusy();
    assert.equal(busyConnections(), 0);
    assert.equal(sharedWindow(2 * MiB), 2 * MiB);
  });
});
