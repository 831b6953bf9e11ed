import type { BatchProgress } from '@tradewind/issuer';
import type { Io } from '../io.js';

/**
 * Progress on stderr after every transaction: on a terminal a one-line bar redrawn in
 * place (`\r`); elsewhere (a log file, CI) a plain line at every tenth of the way, so
 * logs get no carriage returns and no thousand redraws.
 */
export function progressBar(io: Io): { update(p: BatchProgress): void; done(): void } {
  let drawn = false;
  let lastTenth = -1;
  return {
    update(p) {
      const fraction = p.total === 0 ? 1 : p.done / p.total;
      const percent = Math.floor(fraction * 100);
      if (!io.stderrIsTerminal) {
        const tenth = Math.floor(fraction * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        io.stderr(`issued ${p.done}/${p.total} (${percent}%)\n`);
        return;
      }
      const width = 30;
      const filled = Math.round(fraction * width);
      io.stderr(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${percent}% ${p.done}/${p.total}`);
      drawn = true;
    },
    done() {
      if (drawn) io.stderr('\n');
    },
  };
}
