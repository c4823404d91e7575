import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeIpv4, type IpHeader } from '../../src/pcap/index.ts';
import { IpDefragmenter } from '../../src/pcap/ip-defragmenter.ts';
import { hex, toHexString } from '../helpers/bytes.ts';

/** An IPv4 fragment 10.0.0.1 -> 10.0.0.2, protocol 6, id 7: flags/offset word and payload as hex. */
function fragment(flagsAndOffset: string, payload: string): { frame: Uint8Array; ip: IpHeader } {
  const body = hex(payload);
  const length = (20 + body.length).toString(16).padStart(4, '0');
  const frame = hex(`45 00 ${length} 0007 ${flagsAndOffset} 40 06 0000 0a000001 0a000002 ${payload}`);
  const ip = decodeIpv4(frame, 0);
  assert.ok(!('error' in ip));
  return { frame, ip };
}

describe('IpDefragmenter', () => {
  it('rebuilds a datagram from fragments in any order, clearing the fragment fields', () => {
    const first = fragment('2000', '0102030405060708');
    const middle = fragment('2001', '1112131415161718');
    const last = fragment('0002', '2122');
    const defrag = new IpDefragmenter();
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(first.frame, first.ip), undefined);
    const whole = defrag.push(middle.frame, middle.ip);
    assert.equal(
      toHexString(whole!),
      '45000026000700004006' + '0000' + '0a0000010a000002' + '0102030405060708' + '1112131415161718' + '2122',
    );
  });

  it('keeps the first copy of overlapping bytes', () => {
    const defrag = new IpDefragmenter();
    const a = fragment('2000', '0102030405060708');
    const again = fragment('2000', 'ffffffffffffffff');
    const last = fragment('0001', '2122');
    assert.equal(defrag.push(a.frame, a.ip), undefined);
    assert.equal(defrag.push(again.frame, again.ip), undefined);
    assert.equal(toHexString(defrag.push(last.frame, last.ip)!.subarray(20)), '01020304050607082122');
  });

  it('drops a datagram whose fragment was cut by the snap length', () => {
    const defrag = new IpDefragmenter();
    const last = fragment('0001', '2122');
    const first = fragment('2000', '0102030405060708');
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(first.frame.subarray(0, 24), first.ip), undefined);
    assert.equal(defrag.push(first.frame, first.ip), undefined, 'the pending datagram was dropped');
  });

  it('keeps at most maxPending datagrams', () => {
    const defrag = new IpDefragmenter(1);
    const last = fragment('0001', '2122');
    const other = fragment('2000', 'aaaaaaaaaaaaaaaa');
    other.frame[5] = 8; // another identification: a second pending datagram evicts the first
    const otherIp = decodeIpv4(other.frame, 0) as IpHeader;
    const first = fragment('2000', '0102030405060708');
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(other.frame, otherIp), undefined);
    assert.equal(defrag.push(first.frame, first.ip), undefined);
  });
});
