import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpRouter } from '../../src/transport/http-router.ts';
import { nameGlob, parseRewrite } from '../../src/transport/replay.ts';
import { mesosEra, repliesToMessage } from '../../src/transport/reply-policy.ts';

describe('mesosEra', () => {
  it('maps releases to the framing they write and when they answer messages (§1.5, §2.4)', () => {
    const table: [string, string, string][] = [
      ['0.18.2', 'mesos-0.21', 'never'],
      ['0.19.0', 'mesos-0.21', 'non-libprocess-only'],
      ['0.21.1', 'mesos-0.21', 'non-libprocess-only'],
      ['0.22.0', 'mesos-1.11', 'non-libprocess-only'],
      ['1.3.2', 'mesos-1.11', 'non-libprocess-only'],
      ['1.4.0', 'mesos-1.11', 'always'],
      ['1.11.0', 'mesos-1.11', 'always'],
      ['1.12', 'mesos-1.12', 'always'],
      ['1.12.0-dev', 'mesos-1.12', 'always'],
    ];
    for (const [version, style, replies] of table) assert.deepEqual(mesosEra(version), { style, replies }, version);
  });
  it('rejects text that is not a version', () => {
    assert.throws(() => mesosEra('latest'), { code: 'MW_INVALID_ARGUMENT' });
  });
});

describe('repliesToMessage', () => {
  it('0.19-1.3 answer only senders whose User-Agent lacks libprocess/', () => {
    assert.equal(repliesToMessage('non-libprocess-only', 'libprocess/master@1.2.3.4:5050'), false);
    assert.equal(repliesToMessage('non-libprocess-only', 'Go-http-client/1.1'), true);
    assert.equal(repliesToMessage('non-libprocess-only', undefined), true);
    // "contains", not "starts with" (the 0.19 check is a substring search).
    assert.equal(repliesToMessage('non-libprocess-only', 'x libprocess/y'), false);
    assert.equal(repliesToMessage('always', 'libprocess/master@1.2.3.4:5050'), true);
    assert.equal(repliesToMessage('never', undefined), false);
  });
});

describe('HttpRouter', () => {
  it('matches exact method and path, with * as any method; remove() drops a route', () => {
    const router = new HttpRouter();
    const health = () => ({ status: 200 });
    const any = () => ({ status: 204 });
    router.get('/health', health).add('*', '/any', any);
    assert.equal(router.match('GET', '/health'), health);
    assert.equal(router.match('POST', '/health'), undefined);
    assert.equal(router.match('DELETE', '/any'), any);
    assert.equal(router.match('GET', '/health/'), undefined);
    assert.equal(router.remove('GET', '/health'), true);
    assert.equal(router.match('GET', '/health'), undefined);
  });
});

describe('replay helpers', () => {
  it('nameGlob matches whole names with * and ?, other characters literally', () => {
    const glob = nameGlob('mesos.internal.*Slave?essage');
    assert.equal(glob('mesos.internal.PingSlaveMessage'), true);
    assert.equal(glob('mesos.internalXPingSlaveMessage'), false);
    assert.equal(glob('mesos.internal.PingSlaveMessages'), false);
  });
  it('parseRewrite takes OLD=NEW UPIDs', () => {
    assert.deepEqual(parseRewrite('a@1.2.3.4:5=b@5.6.7.8:9'), ['a@1.2.3.4:5', 'b@5.6.7.8:9']);
    assert.throws(() => parseRewrite('a@1.2.3.4:5'), { code: 'MW_INVALID_ARGUMENT' });
    assert.throws(() => parseRewrite('a@1.2.3.4:5=nope'), { code: 'MW_UPID_INVALID' });
  });
});
