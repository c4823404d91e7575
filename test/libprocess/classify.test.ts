import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMesosWireError } from '../../src/errors.ts';
import {
  type ClassifiedMessage,
  classifyRequest,
  formatUpid,
  isLibprocessMessage,
  percentDecode,
  type RequestHeadLike,
  targetPath,
} from '../../src/libprocess/index.ts';

const head = (method: string, target: string, headers: [string, string][]): RequestHeadLike => ({
  method,
  target,
  headers: headers.map(([name, value]) => ({ name, value })),
});

const LP = [['Libprocess-From', 'master@10.0.0.1:5050']] as [string, string][];

function message(target: string, headers: [string, string][] = LP): ClassifiedMessage {
  const c = classifyRequest(head('POST', target, headers));
  assert.equal(c.kind, 'message');
  return c as ClassifiedMessage;
}

describe('isLibprocessMessage (wire-protocol.md §2.2)', () => {
  const cases: [string, string, [string, string][], boolean][] = [
    ['POST + libprocess/ User-Agent', 'POST', [['User-Agent', 'libprocess/a@1.2.3.4:5']], true],
    ['POST + Libprocess-From only', 'POST', [['Libprocess-From', 'a@1.2.3.4:5']], true],
    ['POST + empty Libprocess-From', 'POST', [['Libprocess-From', '']], true],
    ['header names are case-insensitive', 'POST', [['libprocess-from', 'x']], true],
    ['User-Agent prefix is case-sensitive', 'POST', [['User-Agent', 'Libprocess/a@1.2.3.4:5']], false],
    ['User-Agent must start with libprocess/', 'POST', [['User-Agent', 'curl libprocess/a@1.2.3.4:5']], false],
    [
      'the last User-Agent wins',
      'POST',
      [
        ['User-Agent', 'libprocess/a@1.2.3.4:5'],
        ['user-agent', 'curl/8'],
      ],
      false,
    ],
    ['GET is never a message', 'GET', [['Libprocess-From', 'a@1.2.3.4:5']], false],
    ['method is case-sensitive', 'post', [['Libprocess-From', 'a@1.2.3.4:5']], false],
    ['POST without either header', 'POST', [['Content-Type', 'application/json']], false],
  ];
  for (const [name, method, headers, expected] of cases) {
    it(name, () => assert.equal(isLibprocessMessage(head(method, '/master/x', headers)), expected));
  }
  it('an API path with Libprocess-From is misrouted as a message named api/v1/scheduler', () => {
    const m = message('/master/api/v1/scheduler');
    assert.equal(m.to, 'master');
    assert.equal(m.name, 'api/v1/scheduler');
  });
});

describe('classifyRequest: receiver and name (§2.3 table)', () => {
  const rows: [string, string, string][] = [
    ['/master/mesos.internal.X', 'master', 'mesos.internal.X'],
    ['/slave(1)/mesos.internal.X', 'slave(1)', 'mesos.internal.X'],
    ['/mesos.internal.X', 'mesos.internal.X', ''],
    ['/a/b/c', 'a', 'b/c'],
    ['/master', 'master', ''],
    ['/', '', ''],
    ['/id%2842%29/foo', 'id(42)', 'foo'],
    ['/a+b/foo', 'a b', 'foo'],
    ['/master/foo?a=b', 'master', 'foo'],
    ['/master/foo#frag', 'master', 'foo'],
    ['/master/foo%20bar', 'master', 'foo%20bar'],
    ['/master/a+b', 'master', 'a+b'],
    ['http://10.0.0.1:5050/x/y', 'x', 'y'],
    ['http://h/x/y?q=1', 'x', 'y'],
    ['//name', '', 'name'],
  ];
  for (const [target, to, name] of rows) {
    it(`${target} -> id ${JSON.stringify(to)}, name ${JSON.stringify(name)}`, () => {
      const m = message(target);
      assert.equal(m.to, to);
      assert.equal(m.name, name);
    });
  }
  it('/bad%zz/foo -> 500 (receiver id decode fails)', () => {
    const c = classifyRequest(head('POST', '/bad%zz/foo', LP));
    assert.equal(c.kind, 'rejected');
    assert.ok(c.kind === 'rejected' && c.status === 500);
    assert.ok(c.kind === 'rejected' && c.error.code === 'MW_LIBPROCESS_BAD_PATH' && c.error.offset === 4);
  });
  it('a path not starting with "/" -> 400, before the message check', () => {
    for (const target of ['*', 'master/x', 'http://h']) {
      for (const headers of [LP, []]) {
        const c = classifyRequest(head('POST', target, headers));
        assert.ok(c.kind === 'rejected' && c.status === 400, target);
      }
    }
  });
  it('ordinary requests keep their path', () => {
    assert.deepEqual(classifyRequest(head('GET', '/master/state?jsonp=x', [])), {
      kind: 'request',
      path: '/master/state',
    });
  });
});

describe('classifyRequest: sender (§2.3)', () => {
  it('Libprocess-From wins over User-Agent, trimmed', () => {
    const m = message('/master/x', [
      ['User-Agent', 'libprocess/ua@1.1.1.1:1'],
      ['Libprocess-From', '  lf@2.2.2.2:2  '],
    ]);
    assert.equal(formatUpid(m.from), 'lf@2.2.2.2:2');
    assert.equal(m.fromSource, 'Libprocess-From');
    assert.equal(m.fromText, 'lf@2.2.2.2:2');
    assert.ok(m.fromValid);
  });
  it('pre-0.22 sender: from parsed from User-Agent; trailing product tokens ignored', () => {
    const m = message('/master/x', [['User-Agent', 'libprocess/old@3.3.3.3:3 extra/1.0']]);
    assert.equal(formatUpid(m.from), 'old@3.3.3.3:3');
    assert.equal(m.fromSource, 'User-Agent');
  });
  it('an unparseable sender still yields a message, from the empty UPID', () => {
    const m = message('/master/x', [['Libprocess-From', 'garbage']]);
    assert.equal(formatUpid(m.from), '@0.0.0.0:0');
    assert.equal(m.fromValid, false);
    assert.equal(m.fromText, 'garbage');
  });
  it('the anonymous sender @0.0.0.0:0 is valid', () => {
    const m = message('/master/x', [['Libprocess-From', '@0.0.0.0:0']]);
    assert.equal(formatUpid(m.from), '@0.0.0.0:0');
    assert.equal(m.fromValid, true);
  });
  it('Http2 test shape: only Libprocess-From with an empty id', () => {
    const m = message('/handler-id/handler', [['Libprocess-From', '@127.0.0.1:40000']]);
    assert.equal(m.from.id, '');
    assert.equal(m.from.port, 40000);
  });
});

describe('percentDecode and targetPath', () => {
  it('decodes %HH and +, either hex case', () => {
    assert.equal(percentDecode('a%24%26%2B%2c%2F+x'), 'a$&+,/ x');
    assert.equal(percentDecode('%80%ff'), '\x80\xff');
  });
  for (const [bad, offset] of [
    ['%', 0],
    ['%1', 0],
    ['%;1', 0],
    ['%1;', 0],
    ['ab%g0', 2],
  ] as [string, number][]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => percentDecode(bad),
        (e: unknown) => isMesosWireError(e) && e.code === 'MW_LIBPROCESS_BAD_PATH' && e.offset === offset,
      );
    });
  }
  it('reduces targets to paths', () => {
    assert.equal(targetPath('/a/b?c#d'), '/a/b');
    assert.equal(targetPath('https://host:1/p?q'), '/p');
    assert.equal(targetPath('http://host?q'), '');
    assert.equal(targetPath('*'), '*');
  });
});
