/**
 * A progress line on stderr for work that takes longer than a second:
 * redrawn in place on a terminal, one line a second otherwise.
 *
 * @module
 */

/** Returns a reporter that stays silent for the first second, then shows `text` at most every 100 ms (terminal) or 1 s (pipe). */
export function progressLine(enabled: boolean): { update(text: string): void; done(): void } {
  const start = performance.now();
  const tty = process.stderr.isTTY === true;
  const every = tty ? 100 : 1000;
  let last = start;
  let shown = false;
  return {
    update(text) {
      const now = performance.now();
      if (!enabled || now - start < 1000 || now - last < every) return;
      last = now;
      shown = true;
      process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
    },
    done() {
      if (shown && tty) process.stderr.write("\r\x1b[K");
    },
  };
}
