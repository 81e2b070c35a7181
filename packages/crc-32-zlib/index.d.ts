/** The version of crc-32 whose API this implements. */
export const version: string;
/** CRC-32 of bytes, continuing from `seed` (a previous result); a signed 32-bit result. */
export function buf(data: number[] | Uint8Array, seed?: number): number;
/** CRC-32 of a binary string (the low byte of each character). */
export function bstr(data: string, seed?: number): number;
/** CRC-32 of a string encoded as UTF-8. */
export function str(data: string, seed?: number): number;
