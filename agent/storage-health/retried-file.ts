/**
 * A small state file whose content lives in memory first: `save()` writes it atomically and,
 * when the disk refuses (full), keeps the content in memory and remembers that it is unsaved;
 * `retry()` writes it again (StorageHealth calls it every few seconds). For files that are a
 * safeguard or a cache beside a durable log (the confirmed cursor, the lifecycle marker), where
 * running ahead of the disk costs resends or a longer scan, never an accepted event.
 */
import { writeFileAtomicSync } from '../../sdk/index.js';

export class RetriedFile {
  private failed = false;

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

  /** Writes it if the last write failed; throws while it still cannot. */
  retry(): void {
    if (this.failed) this.write();
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
