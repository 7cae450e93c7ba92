// The part of @observablehq/inputs (which ships no types) that the components use.
declare module "@observablehq/inputs" {
  /** A sortable, selectable table that loads rows as it scrolls. */
  export function table(data: readonly object[], options?: object): HTMLElement;
}
