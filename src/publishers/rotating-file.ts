import { writeSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Size-based rotation as Python's `logging.handlers.RotatingFileHandler` does it. */
export interface Rotation {
  /** Rotate before a line would bring the file to this many bytes; 0 disables rotation. */
  maxBytes: number;
  /** How many rotated files (`f.1` … `f.N`) to keep; 0 disables rotation. */
  backupCount: number;
}

/**
 * Lines encoded as they are added, into one growing buffer: a batch of thousands of lines is
 * held as bytes (outside the JS heap, not copied by every young-generation collection) instead
 * of as strings, and the file gets it in one write without joining and re-encoding.
 */
export class LineBatch {
  private buffer: Buffer;
  private used = 0;
  /** Byte offset just after each line's `\n`, for rotation decisions. */
  private readonly ends: number[] = [];

  constructor(initialBytes = 16 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get count(): number {
    return this.ends.length;
  }

  /** Appends `text` and a `\n`. */
  add(text: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8: with that room the write cannot be cut short.
    const room = text.length * 3 + 1;
    if (this.used + room > this.buffer.length) this.grow(this.used + room);
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used++] = 0x0a;
    this.ends.push(this.used);
  }

  /** Bytes of lines `[from, to)`. */
  bytes(from = 0, to = this.ends.length): Buffer {
    const start = from === 0 ? 0 : (this.ends[from - 1] as number);
    const end = to === 0 ? 0 : (this.ends[to - 1] as number);
    return this.buffer.subarray(start, end);
  }

  /** Size in bytes of line `i`, its newline included. */
  lineBytes(i: number): number {
    return (this.ends[i] as number) - (i === 0 ? 0 : (this.ends[i - 1] as number));
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }
}

/**
 * An append-only text file written line by line by one owner. Appends are queued on a promise
 * chain, so concurrent callers land in call order and each promise settles only when its own
 * bytes reached the file (or failed). The handle is opened on first use and reopened after a
 * failure, so a transient error (full disk) does not leave the file unusable.
 */
export class LineFile {
  private handle: FileHandle | undefined;
  /** Bytes in the current file; tracked instead of stat'ing before every line. */
  private size = 0;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  readonly path: string;
  private readonly rotation: Rotation | undefined;

  constructor(path: string, rotation?: Rotation) {
    this.path = path;
    this.rotation = rotation;
  }

  /** Appends the batch's lines; resolves once all of them were written. */
  append(lines: LineBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.path} is closed`));
    const run = this.tail.then(() => this.write(lines));
    // The chain must survive a failed append, or every later append would fail with it.
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for queued appends, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    await this.release();
  }

  private async write(lines: LineBatch): Promise<void> {
    if (lines.count === 0) return;
    try {
      await this.ensureOpen();
      if (!this.rotates()) {
        // Nothing to decide per line: one write of the whole batch.
        await this.flush(lines.bytes());
        return;
      }
      let from = 0;
      let chunkBytes = 0;
      for (let i = 0; i < lines.count; i++) {
        const bytes = lines.lineBytes(i);
        if (this.shouldRotate(this.size + chunkBytes, bytes)) {
          await this.flush(lines.bytes(from, i));
          from = i;
          chunkBytes = 0;
          await this.rotate();
        }
        chunkBytes += bytes;
      }
      await this.flush(lines.bytes(from));
    } catch (error) {
      // The file position and our size count are unknown after a failure: start afresh.
      await this.release().catch(() => undefined);
      throw error;
    }
  }

  /** Python rotates when `tell() + len(msg) >= maxBytes`, never an empty file. */
  private shouldRotate(size: number, bytes: number): boolean {
    return this.rotates() && size > 0 && size + bytes >= (this.rotation as Rotation).maxBytes;
  }

  private rotates(): boolean {
    const r = this.rotation;
    return r !== undefined && r.maxBytes > 0 && r.backupCount > 0;
  }

  /**
   * One synchronous write(2), repeated after a partial one. Into the page cache it costs less
   * than the thread-pool round trip of an asynchronous write, which doubled the cost of a
   * one-notification batch; the append's promise still settles only after the bytes were written.
   */
  private async flush(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    const handle = await this.ensureOpen();
    for (let written = 0; written < data.length; ) {
      const n = writeSync(handle.fd, data, written, data.length - written);
      if (n <= 0) throw new Error(`${this.path}: write made no progress`);
      written += n;
    }
    this.size += data.length;
  }

  /** `f.(n-1)` → `f.n` … `f.1` → `f.2`, then `f` → `f.1`; rename replaces the oldest. */
  private async rotate(): Promise<void> {
    await this.release();
    const count = this.rotation?.backupCount ?? 0;
    for (let i = count - 1; i >= 1; i--) {
      await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    await renameIfExists(this.path, `${this.path}.1`);
    await this.ensureOpen();
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.handle !== undefined) return this.handle;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a');
    try {
      this.size = (await handle.stat()).size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  private async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
