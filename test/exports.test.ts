import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

// Imports go through the package's own name, so a broken "exports" map fails here.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

const EXPECTED: Record<string, string[]> = {
  'mesos-wire': ['HttpDecoder', 'classifyRequest', 'encodeMessage', 'RecordIoDecoder', 'decodeBody', 'MesosWireError'],
  'mesos-wire/http': ['HttpDecoder', 'encodeRequest', 'encodeResponse', 'getHeader', 'releaseBytes', 'isReleased'],
  'mesos-wire/recordio': ['RecordIoDecoder', 'encodeRecord', 'peekRecordLength'],
  'mesos-wire/libprocess': ['parseUpid', 'classifyRequest', 'encodeMessage', 'encodeAcceptedResponse'],
  'mesos-wire/proto': ['decodeBody', 'toMesosJson', 'fromMesosJson', 'lookupWireName', 'parseResources'],
  'mesos-wire/pcap': ['PcapReader', 'PcapngReader', 'TcpReassembler', 'detectCaptureFormat'],
  'mesos-wire/pipeline': ['CaptureSessionDecoder', 'decodeCaptureSessions'],
  'mesos-wire/analysis': ['TrafficStats', 'FlowTable', 'MemoryFlowRowStore', 'SessionStats'],
  'mesos-wire/transport': ['LibprocessEndpoint', 'PeerConnection'],
  'mesos-wire/testing': ['MockMaster', 'MasterSimulation'],
  'mesos-wire/client': ['SchedulerClient', 'OperatorClient'],
};

describe('package exports', () => {
  it('lists exactly the subpaths checked here (plus package.json)', () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    const names = subpaths.map((k) => (k === '.' ? 'mesos-wire' : `mesos-wire/${k.slice(2)}`));
    assert.deepEqual(names.sort(), Object.keys(EXPECTED).sort());
  });

  for (const [specifier, names] of Object.entries(EXPECTED)) {
    it(`${specifier} exports ${names.join(', ')}`, async () => {
      const module = (await import(specifier)) as Record<string, unknown>;
      for (const name of names) assert.equal(typeof module[name], 'function', `${specifier} ${name}`);
    });
  }
});
