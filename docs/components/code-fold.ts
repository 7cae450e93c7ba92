// Code blocks that can be shown or folded: every code listing on the page
// goes into a <details>; notebook code (js) starts folded, shell commands open.
// Framework puts each listing in a container with its copy button and its
// language tag; the whole container moves into the fold, so the button
// copies the listing it sits on and nothing is left floating when folded.

/** Wrap each code listing of the page's main column in a foldable block (idempotent). */
export function foldCode(): void {
  for (const pre of document.querySelectorAll<HTMLPreElement>("#observablehq-main pre[data-language]")) {
    if (pre.closest(".code-fold")) continue;
    const container = pre.parentElement?.classList.contains("observablehq-pre-container") ? pre.parentElement : pre;
    const language = pre.dataset.language ?? "";
    const lines = (pre.textContent ?? "").replace(/\n$/, "").split("\n").length;
    const details = document.createElement("details");
    details.className = "code-fold";
    details.open = language !== "js";
    const summary = document.createElement("summary");
    summary.textContent = `${language === "js" ? "notebook code" : language} (${lines} line${lines === 1 ? "" : "s"})`;
    container.replaceWith(details);
    details.append(summary, container);
  }
}
