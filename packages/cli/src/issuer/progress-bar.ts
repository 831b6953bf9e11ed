import type { BatchProgress } from '@tradewind/issuer';
import type { Io } from '../io.js';

/** A one-line progress bar on stderr, redrawn in place (`\r`) after every transaction. */
export function progressBar(io: Io): { update(p: BatchProgress): void; done(): void } {
  let drawn = false;
  return {
    update(p) {
      const width = 30;
      const fraction = p.total === 0 ? 1 : p.done / p.total;
      const filled = Math.round(fraction * width);
      io.stderr(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${p.done}/${p.total}`);
      drawn = true;
    },
    done() {
      if (drawn) io.stderr('\n');
    },
  };
}
