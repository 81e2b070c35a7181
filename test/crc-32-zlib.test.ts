/**
 * packages/crc-32-zlib stands in for crc-32 (package.json's overrides) so that archiver's CRC-32
 * runs in Node's zlib: the ZIP's libraries load it, and it answers as crc-32 does (signed 32-bit
 * results, a previous result as the seed, anything else as seed 0).
 */
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as crc from 'crc-32';

const ROOT = resolve(__dirname, '..');
const CHECK = 0xcbf43926 | 0; // CRC-32 of "123456789", the standard check value

it('is what the ZIP writer loads as crc-32', () => {
  const archiver = dirname(require.resolve('archiver'));
  for (const consumer of ['crc32-stream', 'compress-commons']) {
    const from = dirname(require.resolve(`${consumer}/package.json`, { paths: [archiver] }));
    expect(realpathSync(require.resolve('crc-32', { paths: [from] }))).toBe(join(ROOT, 'packages/crc-32-zlib/index.js'));
  }
});

it('answers with crc-32 API and values', () => {
  const bytes = Buffer.from('123456789');
  expect(crc.buf(bytes)).toBe(CHECK);
  expect(crc.buf([...bytes])).toBe(CHECK);
  expect(crc.buf(new Uint8Array(0))).toBe(0);
  expect(crc.str('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  // In pieces, each seeded with the previous result, as crc32-stream calls it.
  expect(crc.buf(bytes.subarray(4), crc.buf(bytes.subarray(0, 4)))).toBe(CHECK);
  // crc32-stream's first seed is a Buffer; crc-32 reads it as 0.
  expect(crc.buf(bytes, Buffer.alloc(4) as unknown as number)).toBe(CHECK);
  // bstr takes each character's low byte, str encodes UTF-8.
  expect(crc.bstr('\u00e9t\u00e9')).toBe(crc.buf(Buffer.from([0xe9, 0x74, 0xe9])));
  expect(crc.str('\u00e9t\u00e9')).toBe(crc.buf(Buffer.from([0xc3, 0xa9, 0x74, 0xc3, 0xa9])));
  expect(crc.version).toBe('1.2.2');
});
