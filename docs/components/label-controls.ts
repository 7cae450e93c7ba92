// Inputs.range labels its number box (<label for>) but leaves its slider
// without a name, so a screen reader announces an unnamed slider. Every
// control of the input that no label names gets the input's label text.

/** `form` (an Observable Input) with each of its unlabelled controls named by the input's label. */
export function labelControls<T extends HTMLElement>(form: T): T {
  const label = form.querySelector("label")?.textContent?.trim();
  if (!label) return form;
  for (const control of form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("input, select, textarea")) {
    if (control.labels?.length || control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby")) continue;
    control.setAttribute("aria-label", label);
  }
  return form;
}
