/**
 * Positional reads from a file on disk without loading it: readers of large stacks (TIFF, NumPy,
 * DigitalMicrograph) read headers and one frame at a time through this class, so memory does not
 * grow with the file. Reads are synchronous (`fs.readSync`); the CLI reads one file at a time.
 * Every file opened here is an input: it is marked with protectInput (data/atomicWrite.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { AtomdynError } from '../errors.ts';
import { protectInput } from '../atomicWrite.ts';
import { assertRegularFile } from '../regularFile.ts';

/** A read-only file handle with bounds-checked positional reads. */
export class RandomAccessFile {
  /** The path, as given (used in error messages). */
  readonly path: string;
  /** File size in bytes. */
  readonly size: number;
  private fd: number | null;

  /**
   * Open `path` for reading.
   * @throws AtomdynError when the file does not exist, is a folder, a named pipe, a device or a socket, or cannot be read
   */
  constructor(path: string) {
    this.path = path;
    assertRegularFile(path); // before open: opening a named pipe would block
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new AtomdynError(path, why, { cause: e });
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw new AtomdynError(path, 'not a regular file');
    }
    this.fd = fd;
    this.size = st.size;
    protectInput(path);
  }

  /**
   * Read `length` bytes at byte `position`.
   * @param what what is being read, for the error message (e.g. 'frame 3', 'TIFF directory')
   * @throws AtomdynError "file is truncated" when the range runs past the end of the file
   */
  read(position: number, length: number, what = 'data'): Buffer {
    if (this.fd === null) throw new AtomdynError(this.path, 'file already closed');
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new AtomdynError(this.path, `corrupt file: invalid offset ${position} or length ${length} for ${what}`);
    }
    if (position + length > this.size) {
      throw new AtomdynError(
        this.path,
        `file is truncated or corrupt: ${what} needs bytes ${position}..${position + length} but the file has ${this.size} bytes`,
      );
    }
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new AtomdynError(this.path, `file is truncated: unexpected end of file while reading ${what}`);
      done += n;
    }
    return buf;
  }

  /** Read up to `length` bytes at `position`, fewer at the end of the file (never throws for EOF). */
  readAtMost(position: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - position));
    return this.read(position, n);
  }

  /** Close the handle. Idempotent. */
  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
