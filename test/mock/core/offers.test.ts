import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandTask, Harness, scalar } from './harness.ts';

const times = (h: Harness, offers: { id: { value: string } }[]): number[] =>
  offers.map((o) => {
    const out = h.outputs.find(
      (x) =>
        x.target === 'framework' && x.event.type === 'OFFERS' && x.event.offers.some((y) => y.id.value === o.id.value),
    );
    return (out?.time ?? 0) - h.sim.startTime;
  });

describe('offer cycles', () => {
  it('declined offers come back after refuse_seconds (at the allocation after the filter expires)', () => {
    const h = new Harness();
    const fw = h.driver();
    fw.subscribe();
    h.advance(0);
    fw.decline(fw.offers()[0]!, 3);
    h.advance(10_000);
    assert.deepEqual(times(h, fw.offers()), [0, 3000]);
    // Default filter is 5 s when none is given (declined at t=10 s).
    fw.decline(fw.outstanding()[0]!);
    h.advance(10_000);
    assert.deepEqual(times(h, fw.offers()), [0, 3000, 15_000]);
    // A refuse shorter than the allocation interval lasts one interval and so survives the next allocation
    // (MESOS-4302): declined at 20 s, the cycle at 21 s still skips it, the one at 22 s offers.
    fw.decline(fw.outstanding()[0]!, 0.2);
    h.advance(5000);
    assert.deepEqual(times(h, fw.offers()), [0, 3000, 15_000, 22_000]);
    // refuse_seconds 0 installs no filter; the next cycle offers again.
    fw.decline(fw.outstanding()[0]!, 0);
    h.advance(1000);
    assert.deepEqual(times(h, fw.offers()), [0, 3000, 15_000, 22_000, 26_000]);
  });

  it('REVIVE clears filters and SUPPRESS stops offers', () => {
    const h = new Harness();
    const fw = h.driver();
    fw.subscribe();
    h.advance(0);
    fw.decline(fw.offers()[0]!, 3600);
    h.advance(60_000);
    assert.equal(fw.offers().length, 1);
    assert.deepEqual(fw.call({ type: 'REVIVE' }), { ok: true });
    h.advance(0);
    assert.equal(fw.offers().length, 2);

    assert.deepEqual(fw.call({ type: 'SUPPRESS' }), { ok: true });
    fw.decline(fw.outstanding()[0]!, 0);
    h.advance(60_000);
    assert.equal(fw.offers().length, 2);
    fw.call({ type: 'REVIVE', roles: ['*'] });
    h.advance(0);
    assert.equal(fw.offers().length, 3);

    const bad = fw.call({ type: 'REVIVE', roles: ['other'] });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.reason, 'INVALID');
  });

  it('rescinds offers on --offer_timeout and when the agent goes away', () => {
    const h = new Harness({ agents: 2, offerTimeoutMs: 30_000 });
    const fw = h.driver();
    fw.subscribe();
    h.advance(0);
    assert.equal(fw.offers().length, 2);
    h.advance(30_000);
    assert.deepEqual(
      fw.of('RESCIND').map((e) => e.offer_id.value),
      ['M-O0', 'M-O1'],
    );
    // Rescinded resources carry no filter: offered again at the next cycle.
    h.advance(1000);
    assert.equal(fw.outstanding().length, 2);
    const onFirst = fw.outstanding().find((o) => o.slave_id.value === 'M-S0')!;
    assert.equal(h.sim.removeAgent('M-S0'), true);
    assert.equal(fw.of('RESCIND').at(-1)!.offer_id.value, onFirst.id.value);
    assert.deepEqual(fw.of('FAILURE').at(-1), { type: 'FAILURE', slave_id: { value: 'M-S0' } });
    assert.equal(h.sim.removeAgent('M-S0'), false);
  });

  it('offers static reservations only to their role, with the format the framework understands', () => {
    const h = new Harness({ resources: 'cpus(prod):2;cpus:1;mem(prod):1024;mem:512' });
    const plain = h.driver('plain');
    const prod = h.driver('prod', {
      roles: ['prod'],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
    });
    prod.subscribe();
    h.advance(0);
    const offer = prod.offers()[0]!;
    assert.equal(scalar(offer, 'cpus'), 3);
    assert.deepEqual(offer.allocation_info, { role: 'prod' });
    const reserved = offer.resources.find((r) => r.name === 'cpus' && r.reservations !== undefined)!;
    assert.deepEqual(reserved.reservations, [{ type: 'STATIC', role: 'prod' }]);
    assert.deepEqual(reserved.allocation_info, { role: 'prod' });
    assert.equal(reserved.role, undefined);

    const task = commandTask('p', offer, 0.5, 256);
    task.resources = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'prod' }] },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
    ];
    prod.launch(offer, [task], { refuse_seconds: 3600 });
    h.advance(0);
    assert.equal(h.sim.snapshot().tasks[0]?.task_id.value, 'p');
    plain.subscribe();
    h.advance(0);
    // Only unreserved resources reach a framework in role "*"; and 0.5 cpus + mem are left.
    const left = plain.offers()[0]!;
    assert.ok(left.resources.every((r) => r.role === '*'));
    assert.equal(scalar(left, 'cpus'), 0.5);
  });

  it('does not offer less than the minimum allocatable (cpus 0.01 or mem 32)', () => {
    const h = new Harness({ resources: 'cpus:1;mem:64;disk:0;ports:[1-2]' });
    const fw = h.driver();
    fw.subscribe();
    h.advance(0);
    const offer = fw.offers()[0]!;
    fw.launch(offer, [commandTask('t', offer, 1, 40)], { refuse_seconds: 0 });
    h.advance(1000);
    // 24 MB of memory and two ports are left: not worth an offer.
    assert.equal(fw.offers().length, 1);
  });

  it('RESERVE turns offered unreserved resources into a dynamic reservation for the role', () => {
    const h = new Harness({ resources: 'cpus:4;mem:1024' });
    const fw = h.driver('r', { role: 'db' });
    fw.subscribe();
    h.advance(0);
    const offer = fw.offers()[0]!;
    fw.used.add(offer.id.value);
    fw.call({
      type: 'ACCEPT',
      offer_ids: [offer.id],
      operations: [
        {
          type: 'RESERVE',
          reserve: {
            resources: [
              { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'db', reservation: { principal: 'p' } },
            ],
          },
        },
      ],
      filters: { refuse_seconds: 0 },
    });
    h.advance(1000);
    const next = fw.outstanding()[0]!;
    const dyn = next.resources.find((r) => r.name === 'cpus' && r.role === 'db')!;
    assert.equal(dyn.scalar?.value, 2);
    assert.deepEqual(dyn.reservation, { principal: 'p' });
    const total = h.sim.snapshot().agents[0]!.total_resources.find((r) => r.name === 'cpus' && r.reservations);
    assert.deepEqual(total?.reservations, [{ type: 'DYNAMIC', role: 'db', principal: 'p' }]);
  });

  it('sends one OFFERS event per framework per allocation, with a pid per offer', () => {
    const h = new Harness({ agents: 3 });
    const fw = h.driver();
    fw.subscribe();
    h.advance(0);
    const events = fw.of('OFFERS');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.pids, [
      'slave(1)@127.0.0.1:5050',
      'slave(2)@127.0.0.1:5050',
      'slave(3)@127.0.0.1:5050',
    ]);
    // A deactivated framework gets its offers rescinded and no more offers.
    fw.call({ type: 'DEACTIVATE' });
    assert.equal(fw.of('RESCIND').length, 3);
    h.advance(10_000);
    assert.equal(fw.of('OFFERS').length, 1);
  });
});
