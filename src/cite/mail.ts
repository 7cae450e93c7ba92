/**
 * Text as mailers leave it: CRLF or CR line ends, quoting (`> `, `>> `,
 * `>>`, `> > `), indentation by spaces or tabs, trailing whitespace and
 * NBSPs. Every function here is linear in the length of its input, however
 * long a run of whitespace is.
 *
 * @module
 */

/** Lines of a saved mail, whatever its line ends (LF, CRLF, CR). */
export function mailLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Whether `c` (one UTF-16 unit) is whitespace, NBSP and the other Unicode spaces included. */
export function isSpace(c: string): boolean {
  return c.trim() === "";
}

/** `line` without trailing spaces and tabs (a line of mail may end with an NBSP that is text). */
export function trimBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === " " || line[end - 1] === "\t")) end--;
  return line.slice(0, end);
}

/** The quoting of a line: its leading whitespace and `>` marks (`"> > "`, `">>"`, `"\t"`). */
export function quotePrefix(line: string): string {
  let i = 0;
  while (i < line.length && (line[i] === ">" || isSpace(line[i]!))) i++;
  return line.slice(0, i);
}

/**
 * `line` without the quoting of its block, `prefix` (the quoting of the
 * block's BEGIN line). A line that starts with `prefix` loses exactly it, so
 * text that itself begins with `>` or a space survives. A line quoted with
 * other spacing (`> >` for `>>`) loses as many `>` marks as `prefix` has,
 * the whitespace around them and one space after the last; a line without
 * any quoting (a mailer's reflow may drop it) stays as it is.
 */
export function unquote(line: string, prefix: string): string {
  if (line.startsWith(prefix)) return line.slice(prefix.length);
  const depth = [...prefix].filter((c) => c === ">").length;
  let i = 0;
  let seen = 0;
  while (i < line.length && seen < depth) {
    const c = line[i]!;
    if (c === ">") seen++;
    else if (!isSpace(c)) break;
    i++;
  }
  if (depth === 0) {
    while (i < Math.min(line.length, prefix.length) && isSpace(line[i]!)) i++;
    return line.slice(i);
  }
  if (seen === 0) return line;
  if (seen === depth && (line[i] === " " || line[i] === "\t")) i++;
  return line.slice(i);
}
