/**
 * A small state file whose content lives in memory first: `save()` writes it atomically and,
 * when the disk refuses (full), keeps the content in memory and remembers that it is unsaved;
 * `retry()` writes it again (StorageHealth calls it every few seconds). For files that are a
 * safeguard or a cache beside a durable log (the confirmed cursor, the lifecycle marker), where
 * running ahead of the disk costs resends or a longer scan, never an accepted event.
 */
import { writeFileAtomic, writeFileAtomicSync } from '../../sdk/index.js';

export class RetriedFile {
  private failed = false;
  /** A saveAsync in progress (retry() waits for it rather than race it for the `.new` file). */
  private saving: Promise<void> | undefined;
  /** Another saveAsync was asked for while one ran: it runs next, with the content then. */
  private again: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    /** The content to write now (read at each attempt, so a retry writes the latest). */
    private readonly content: () => string,
  ) {}

  /** True while the file on disk is behind the content in memory. */
  get unsaved(): boolean {
    return this.failed;
  }

  /** Writes it; a failure is remembered (unsaved), never thrown. */
  save(): void {
    try {
      this.write();
    } catch {
      // Held in memory; retry() writes it once the disk takes it.
    }
  }

  /**
   * save() off the event loop (writeFileAtomic). Saves asked for while one runs are made as one
   * more, with the content at that time; resolves once a write that began after the call ended.
   */
  saveAsync(): Promise<void> {
    if (this.saving) {
      this.again ??= this.saving.then(() => {
        this.again = undefined;
        return this.saveAsync();
      });
      return this.again;
    }
    const run = writeFileAtomic(this.path, this.content(), { mode: 0o640 }).then(
      () => {
        this.failed = false;
      },
      () => {
        // Held in memory; retry() writes it once the disk takes it.
        this.failed = true;
      },
    );
    this.saving = run.finally(() => {
      this.saving = undefined;
    });
    return this.saving;
  }

  /** Writes it if the last write failed; throws while it still cannot. */
  retry(): void {
    if (this.failed && !this.saving) this.write();
  }

  private write(): void {
    try {
      writeFileAtomicSync(this.path, this.content(), { mode: 0o640 });
      this.failed = false;
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }
}
