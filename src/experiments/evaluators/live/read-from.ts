import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Bytes of `path` from offset `from` to its end (at most `maxBytes`, keeping the end), and the
 * offset after them; null when the file cannot be read.
 */
export function readFrom(
  path: string,
  from: number,
  maxBytes: number,
): { bytes: Buffer; end: number } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - maxBytes);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, start + length);
      if (read === 0) break;
      length += read;
    }
    return { bytes: buffer.subarray(0, length), end: start + length };
  } finally {
    closeSync(fd);
  }
}
