/**
 * A progress line on stderr for work that takes longer than a second.
 *
 * @module
 */

/** Returns a reporter that stays silent for the first second, then redraws one stderr line. */
export function progressLine(enabled: boolean): { update(text: string): void; done(): void } {
  const start = performance.now();
  let shown = false;
  return {
    update(text) {
      if (!enabled || performance.now() - start < 1000) return;
      shown = true;
      process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${text}` : `${text}\n`);
    },
    done() {
      if (shown && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    },
  };
}
