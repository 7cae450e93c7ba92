/**
 * Standard output of the command. A reader that goes away before the
 * output ends (`faultline run x.json | head`) makes writes fail with EPIPE;
 * the command then stops and exits 0, as a Unix filter ends when its reader
 * does, instead of dying of an unhandled 'error' event.
 *
 * @module
 */

/** Thrown by a {@link stdoutWriter}'s write once its reader has gone: the command stops and exits 0. */
export class ReaderGone extends Error {
  constructor() {
    super("the reader of standard output has gone (EPIPE)");
    this.name = "ReaderGone";
  }
}

const isEpipe = (e: unknown): boolean => (e as NodeJS.ErrnoException | null)?.code === "EPIPE";

/**
 * A writer to `stream` (standard output) that throws {@link ReaderGone}
 * from the first write after the reader has gone. EPIPE errors the stream
 * reports later (its own 'error' events, and writes by others such as
 * commander's help) are ignored; any other error still ends the process.
 */
export function stdoutWriter(stream: NodeJS.WritableStream & { readonly errored: Error | null } = process.stdout): (text: string) => void {
  stream.on("error", (e) => {
    if (!isEpipe(e)) throw e;
  });
  return (text) => {
    if (!isEpipe(stream.errored)) stream.write(text);
    if (isEpipe(stream.errored)) throw new ReaderGone();
  };
}
