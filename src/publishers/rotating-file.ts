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

  /** Appends each string plus `\n`; resolves once all of them were written. */
  append(lines: readonly string[]): Promise<void> {
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

  private async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    try {
      await this.ensureOpen();
      if (!this.rotates()) {
        // Nothing to decide per line: skip measuring each one (a full UTF-8 pass per line).
        await this.flush(lines.map((text) => `${text}\n`));
        return;
      }
      let chunk: string[] = [];
      let chunkBytes = 0;
      for (const text of lines) {
        const line = `${text}\n`;
        const bytes = Buffer.byteLength(line);
        if (this.shouldRotate(this.size + chunkBytes, bytes)) {
          await this.flush(chunk);
          chunk = [];
          chunkBytes = 0;
          await this.rotate();
        }
        chunk.push(line);
        chunkBytes += bytes;
      }
      await this.flush(chunk);
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

  private async flush(chunk: readonly string[]): Promise<void> {
    if (chunk.length === 0) return;
    // Encoded once: the buffer's length is the size to add (appendFile would encode it again).
    const data = Buffer.from(chunk.join(''), 'utf8');
    const handle = await this.ensureOpen();
    // appendFile loops over partial writes, unlike a single handle.write().
    await handle.appendFile(data);
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
