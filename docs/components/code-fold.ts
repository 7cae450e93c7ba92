// Code blocks that can be shown or folded: every code listing on the page
// goes into a <details>; notebook code (js) starts folded, shell commands open.

/** Wrap each code listing of the page's main column in a foldable block (idempotent). */
export function foldCode(): void {
  for (const pre of document.querySelectorAll<HTMLPreElement>("#observablehq-main pre[data-language]")) {
    if (pre.parentElement?.classList.contains("code-fold")) continue;
    const language = pre.dataset.language ?? "";
    const lines = (pre.textContent ?? "").replace(/\n$/, "").split("\n").length;
    const details = document.createElement("details");
    details.className = "code-fold";
    details.open = language !== "js";
    const summary = document.createElement("summary");
    summary.textContent = `${language === "js" ? "notebook code" : language} (${lines} line${lines === 1 ? "" : "s"})`;
    pre.replaceWith(details);
    details.append(summary, pre);
  }
}
