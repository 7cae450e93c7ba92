// An editable scenario cell: a JSON editor (scenario-code.ts, loaded when
// the cell is first opened) with schema completion, hover docs and inline
// errors; Run (Shift-Enter), Reset and Cite; runs in a Web Worker with
// progress and Cancel. Its value (for
// Framework's view()) is the last valid scenario run, so a bad edit leaves
// every chart on the last good run.
import { canonicalJson, type ExploreData, type ExploreJob, type Json, type RunData, type RunJob, type ScenarioSpec } from "../faultline/page.js";
import { citePanel } from "./cite-panel.js";
import { el } from "./dom.js";
import { RunStatus } from "./run-status.js";
import type { Checked, CodeEditor } from "./scenario-code.js";

/** Options of {@link scenarioEditor}. */
export interface ScenarioEditorOptions {
  /** Name of the example, unique on its page; keys the saved edit in localStorage. */
  key: string;
  /** Show the editor unfolded (default: folded behind its summary line). */
  open?: boolean;
  /** Editor height in CSS units (default 22em). */
  height?: string;
  /** What the page needs of a scenario beyond the format (a kvm section, a given op): a message when it is missing. */
  requires?: (spec: ScenarioSpec) => string | null;
  /** Framework's `invalidation` promise of the defining cell: a replaced cell stops its worker. */
  invalidation?: Promise<unknown>;
}

/** The cell element: `value` is the last valid scenario; `simulate` runs and `explore` explores jobs derived from it. */
export interface ScenarioEditor extends HTMLElement {
  value: ScenarioSpec;
  /** Run `jobs` in the cell's worker, showing progress; on cancel or failure, the previous runs (see {@link RunStatus.run}). */
  simulate(jobs: readonly RunJob[]): Promise<readonly RunData[]>;
  /** Explore `jobs` in the cell's worker, showing progress, with Cancel; on cancel or failure, the previous explorations (see {@link RunStatus.explore}). */
  explore(jobs: readonly ExploreJob[]): Promise<readonly ExploreData[]>;
}

/** The saved edit for this cell, if it was made on the same notebook version of the scenario. */
function loadSaved(storageKey: string, base: string): string | null {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? "null") as { base: string; text: string } | null;
    return saved && saved.base === base ? saved.text : null;
  } catch {
    return null;
  }
}

function save(storageKey: string, base: string, text: string | null): void {
  try {
    if (text === null) localStorage.removeItem(storageKey);
    else localStorage.setItem(storageKey, JSON.stringify({ base, text }));
  } catch {
    // Storage full or disabled: the edit lives as long as the page.
  }
}

/** An editable, runnable, citable scenario cell starting from `initial`. */
export function scenarioEditor(initial: ScenarioSpec, options: ScenarioEditorOptions): ScenarioEditor {
  const base = canonicalJson(initial as unknown as Json);
  const initialText = JSON.stringify(initial, null, 2);
  const storageKey = `faultline:${location.pathname}:${options.key}`;
  const saved = loadSaved(storageKey, base);

  const errors = el("ul", { class: "cell-errors", hidden: "" });
  const runButton = el("button", { type: "button", class: "cell-run", title: "Run (Shift-Enter)" }, "Run");
  const resetButton = el("button", { type: "button", class: "cell-reset", title: "Back to the notebook's version" }, "Reset");
  const edited = el("span", { class: "cell-edited", hidden: "" }, "edited");
  const host = el("div", { class: "cell-editor" });
  // Typing fires native input events; only Run may tell Framework the value changed.
  host.addEventListener("input", (e) => e.stopPropagation());
  const summary = el("summary", {}, el("span", { class: "cell-title" }, `Scenario: ${initial.title}`), " ", edited);
  const cite = el("details", { class: "cell-cite" }, el("summary", {}, "Cite"));
  // The worker's errors replace the list and a later good batch clears them; the editor's own errors stay until the next Run.
  let workerErrors = false;
  const runs = new RunStatus((list) => {
    if (list.length === 0 && !workerErrors) return;
    showErrors(list);
    workerErrors = list.length > 0;
  });
  void options.invalidation?.then(() => runs.dispose());
  const bar = el("div", { class: "cell-bar" }, runButton, resetButton, runs.element);
  const source = el("details", { class: "cell-source" }, summary, host, errors);
  const root = el("div", { class: "scenario-cell" }, source, bar, cite) as unknown as ScenarioEditor;
  root.dataset.key = options.key;

  // The code editor, loaded on first use; until then the cell holds the notebook's version or the saved edit.
  let text = saved ?? initialText;
  let code: Promise<CodeEditor> | null = null;
  const codeEditor = () =>
    (code ??= import("./scenario-code.js").then((m) => {
      host.replaceChildren();
      return m.mountEditor(host, {
        doc: text,
        height: options.height ?? "22em",
        label: initial.title,
        requires: options.requires,
        invalidation: options.invalidation,
        run,
        changed(t) {
          text = t;
          save(storageKey, base, t === initialText ? null : t);
          edited.hidden = t === initialText;
        },
      });
    }).catch((e: Error) => {
      // Not loaded (offline, say): the next Run or opening tries again.
      code = null;
      throw e;
    }));
  const notLoaded = (e: Error) => showErrors([`the editor did not load: ${e.message}`]);
  const load = () => void codeEditor().catch(notLoaded);
  host.append(el("p", { class: "cell-loading" }, "loading the editor…"));
  source.addEventListener("toggle", () => source.open && load());

  function showErrors(list: readonly string[]): void {
    workerErrors = false;
    errors.replaceChildren(...list.map((e) => el("li", {}, el("code", {}, e))));
    errors.hidden = list.length === 0;
    if (list.length > 0) source.open = true;
  }

  /** Take the checked scenario as the cell's value (Framework's input event), or show its problems. */
  function accept(checked: Checked): void {
    if ("problems" in checked) {
      showErrors(checked.problems);
      runs.say("not run: the scenario has errors; the charts show the last good run");
      return;
    }
    showErrors([]);
    root.value = checked.spec;
    root.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Before the editor has loaded, the text is the notebook's own version, valid as written.
  function run(): void {
    if (code === null && text === initialText) return accept({ spec: initial });
    void codeEditor().then((editor) => accept(editor.check()), notLoaded);
  }

  function renderCite(): void {
    const r = runs.last?.[0];
    const spec = runs.lastJobs?.[0]?.scenario as ScenarioSpec | undefined;
    if (r && spec) cite.replaceChildren(cite.firstChild!, ...citePanel(spec, r));
  }

  // A saved edit is checked by the editor, which it loads; one that no longer passes leaves the cell on the notebook's version, with the edit's errors shown.
  root.value = initial;
  edited.hidden = saved === null || saved === initialText;
  if (options.open || (saved !== null && saved !== initialText)) {
    if (options.open) source.open = true;
    load();
  }
  if (saved !== null && saved !== initialText)
    void import("./scenario-code.js").then((m) => {
      const restored = m.checkText(saved, options.requires);
      if ("spec" in restored) accept(restored);
      else showErrors(restored.problems);
    }, notLoaded);
  runButton.onclick = run;
  resetButton.onclick = () => {
    text = initialText;
    if (code) void code.then((editor) => (editor.setText(initialText), run()), notLoaded);
    else run();
  };
  cite.addEventListener("toggle", () => cite.open && renderCite());
  root.simulate = (jobs) => runs.run(jobs).finally(() => cite.open && renderCite());
  root.explore = (jobs) => runs.explore(jobs);
  return root;
}
