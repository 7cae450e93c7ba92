// An editable scenario cell: a CodeMirror 6 JSON editor with schema
// completion, hover docs and inline errors; Run (Shift-Enter), Reset and
// Cite; runs in a Web Worker with progress and Cancel. Its value (for
// Framework's view()) is the last valid scenario run, so a bad edit leaves
// every chart on the last good run.
import { json } from "@codemirror/lang-json";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { forceLinting } from "@codemirror/lint";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { tags } from "@lezer/highlight";
import { canonicalJson, type ExploreData, type ExploreJob, type Json, type RunData, type RunJob, type ScenarioSpec } from "../faultline/index.js";
import { citePanel } from "./cite-panel.js";
import { el } from "./dom.js";
import { readScenario, scenarioSchemaSupport } from "./json-schema-support.js";
import { RunStatus } from "./run-status.js";

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

/** The scenario in the editor state `state`, or its problems as `line N: $.path: expected X, found Y`. */
function check(state: EditorState, requires: ScenarioEditorOptions["requires"]): { spec: ScenarioSpec } | { problems: string[] } {
  const { spec, diagnostics } = readScenario(state);
  if (!spec) return { problems: diagnostics.map((d) => `line ${state.doc.lineAt(d.from).number}: ${d.message}`) };
  const missing = requires?.(spec);
  return missing ? { problems: [`this example needs ${missing}`] } : { spec };
}

/** one-dark with its property-name colour lightened to 5.5:1 on the editor's background (one-dark's is 4.4:1). */
const darkTheme = [oneDark, Prec.highest(syntaxHighlighting(HighlightStyle.define([{ tag: tags.propertyName, color: "#f08d95" }])))];

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
  if (options.open) source.open = true;
  const root = el("div", { class: "scenario-cell" }, source, bar, cite) as unknown as ScenarioEditor;
  root.dataset.key = options.key;

  // The editor follows the system's colour scheme, also when it changes while the page is open.
  const dark = matchMedia("(prefers-color-scheme: dark)");
  const theme = new Compartment();
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: saved ?? initialText,
      extensions: [
        Prec.highest(keymap.of([{ key: "Shift-Enter", run: () => (run(), true) }, { key: "Mod-Enter", run: () => (run(), true) }])),
        basicSetup,
        json(),
        scenarioSchemaSupport(),
        EditorView.theme({ "&": { height: options.height ?? "22em" }, ".cm-scroller": { overflow: "auto" } }),
        theme.of(dark.matches ? darkTheme : []),
        // The editable region's name (the scenario it holds); an explicit tab stop, so its scrolling box counts as keyboard-reachable.
        EditorView.contentAttributes.of({ "aria-label": `Scenario JSON: ${initial.title}`, tabindex: "0" }),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged) return;
          const text = u.state.doc.toString();
          save(storageKey, base, text === initialText ? null : text);
          edited.hidden = text === initialText;
        }),
      ],
    }),
  });

  const followScheme = () => view.dispatch({ effects: theme.reconfigure(dark.matches ? darkTheme : []) });
  dark.addEventListener("change", followScheme);
  void options.invalidation?.then(() => dark.removeEventListener("change", followScheme));

  function showErrors(list: readonly string[]): void {
    workerErrors = false;
    errors.replaceChildren(...list.map((e) => el("li", {}, el("code", {}, e))));
    errors.hidden = list.length === 0;
    if (list.length > 0) source.open = true;
  }

  function run(): void {
    const checked = check(view.state, options.requires);
    forceLinting(view);
    if ("problems" in checked) {
      showErrors(checked.problems);
      runs.say("not run: the scenario has errors; the charts show the last good run");
      return;
    }
    showErrors([]);
    root.value = checked.spec;
    root.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function renderCite(): void {
    const r = runs.last?.[0];
    const spec = runs.lastJobs?.[0]?.scenario as ScenarioSpec | undefined;
    if (r && spec) cite.replaceChildren(cite.firstChild!, ...citePanel(spec, r));
  }

  // A saved edit that no longer passes starts the cell from the notebook's version, with the edit's errors shown.
  const restored = saved === null ? null : check(EditorState.create({ doc: saved, extensions: [json()] }), options.requires);
  root.value = restored && "spec" in restored ? restored.spec : initial;
  if (restored && "problems" in restored) showErrors(restored.problems);
  edited.hidden = saved === null || saved === initialText;
  runButton.onclick = run;
  resetButton.onclick = () => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: initialText } });
    run();
  };
  cite.addEventListener("toggle", () => cite.open && renderCite());
  root.simulate = (jobs) => runs.run(jobs).finally(() => cite.open && renderCite());
  root.explore = (jobs) => runs.explore(jobs);
  return root;
}
