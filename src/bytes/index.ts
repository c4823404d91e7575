export { CR, HEX_VALUE, LF, latin1Bytes, latin1String, TOKEN, toHex } from './ascii.ts';
export { ByteQueue } from './byte-queue.ts';
export { isReleased, releaseBytes } from './release.ts';
export { unfilledBytes } from './unfilled.ts';
