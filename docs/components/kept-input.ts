// Inputs that start from a scenario's values and keep what the reader sets.
// A cell that reads its starting values from a scenario cell runs again
// whenever that cell does (Run, Reset, Shift-Enter) and makes its inputs
// anew; made with keptInput, an input the reader moved comes back with the
// reader's value, and one never moved (or moved back to the scenario's
// value) shows the scenario's.

/** The readers' values by key, for this page's lifetime. */
const chosen = new Map<string, unknown>();

/**
 * The input `make(value)`, where `value` is the reader's last setting of the
 * input named `key` (unique on its page) or, if none, `scenarioValue`.
 */
export function keptInput<T, E extends HTMLElement & { value: T }>(key: string, scenarioValue: T, make: (value: T) => E): E {
  const input = make(chosen.has(key) ? (chosen.get(key) as T) : scenarioValue);
  input.addEventListener("input", () => {
    if (Object.is(input.value, scenarioValue)) chosen.delete(key);
    else chosen.set(key, input.value);
  });
  return input;
}
