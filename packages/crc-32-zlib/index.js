// @ts-check
'use strict';
// crc-32's public API (buf, bstr, str: a seed is the previous call's result, results are signed
// 32-bit) on Node's zlib.crc32, which runs natively, about three times faster than crc-32's
// JavaScript here. The ZIP archives use it through archiver (crc32-stream, compress-commons).
const { crc32 } = require('node:zlib');

if (typeof crc32 !== 'function') throw new Error('crc-32-zlib needs zlib.crc32 (Node 20.15 or later)');

/** A seed as crc-32 reads one: a previous result (any 32-bit value), anything else is 0. */
const start = (seed) => (seed | 0) >>> 0;

/** @param {number[] | Uint8Array} data @param {number} [seed] */
exports.buf = (data, seed) => crc32(data instanceof Uint8Array ? data : Uint8Array.from(data), start(seed)) | 0;
/** A binary string: the low byte of each character. @param {string} data @param {number} [seed] */
exports.bstr = (data, seed) => crc32(Buffer.from(data, 'latin1'), start(seed)) | 0;
/** A string as UTF-8. @param {string} data @param {number} [seed] */
exports.str = (data, seed) => crc32(Buffer.from(data, 'utf8'), start(seed)) | 0;
exports.version = require('./package.json').version;
