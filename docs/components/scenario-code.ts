// The scenario cell's code editor, loaded when the cell is first opened (or
// holds a saved edit): CodeMirror 6 with JSON, schema completion, hover docs
// and inline errors, following the system's colour scheme.
import { json } from "@codemirror/lang-json";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { forceLinting } from "@codemirror/lint";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { tags } from "@lezer/highlight";
import type { ScenarioSpec } from "../faultline/editing.js";
import { readScenario, scenarioSchemaSupport } from "./json-schema-support.js";

/** A scenario read from the editor, or its problems as `line N: $.path: expected X, found Y`. */
export type Checked = { spec: ScenarioSpec } | { problems: string[] };

/** The mounted editor, as the cell drives it. */
export interface CodeEditor {
  /** Read the scenario in the editor and show its diagnostics inline. */
  check(): Checked;
  /** Replace the whole text. */
  setText(text: string): void;
}

/** What {@link mountEditor} needs of the cell. */
export interface CodeEditorOptions {
  /** The text to start from. */
  doc: string;
  /** Editor height in CSS units. */
  height: string;
  /** Names the editable region (the scenario's title). */
  label: string;
  /** Called with the text after every change. */
  changed(text: string): void;
  /** Run the cell (Shift-Enter, Mod-Enter). */
  run(): void;
  /** What the page needs of a scenario beyond the format: a message when it is missing. */
  requires?: (spec: ScenarioSpec) => string | null;
  /** A replaced cell stops following the colour scheme. */
  invalidation?: Promise<unknown>;
}

/** Read `state`'s scenario, with `requires` applied. */
function read(state: EditorState, requires: CodeEditorOptions["requires"]): Checked {
  const { spec, diagnostics } = readScenario(state);
  if (!spec) return { problems: diagnostics.map((d) => `line ${state.doc.lineAt(d.from).number}: ${d.message}`) };
  const missing = requires?.(spec);
  return missing ? { problems: [`this example needs ${missing}`] } : { spec };
}

/** Check a saved edit's `text` without an editor. */
export function checkText(text: string, requires: CodeEditorOptions["requires"]): Checked {
  return read(EditorState.create({ doc: text, extensions: [json()] }), requires);
}

/** one-dark with its property-name colour lightened to 5.5:1 on the editor's background (one-dark's is 4.4:1). */
const darkTheme = [oneDark, Prec.highest(syntaxHighlighting(HighlightStyle.define([{ tag: tags.propertyName, color: "#f08d95" }])))];

/** Mount an editor in `host`. */
export function mountEditor(host: HTMLElement, options: CodeEditorOptions): CodeEditor {
  // The editor follows the system's colour scheme, also when it changes while the page is open.
  const dark = matchMedia("(prefers-color-scheme: dark)");
  const theme = new Compartment();
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        Prec.highest(keymap.of([{ key: "Shift-Enter", run: () => (options.run(), true) }, { key: "Mod-Enter", run: () => (options.run(), true) }])),
        basicSetup,
        json(),
        scenarioSchemaSupport(),
        EditorView.theme({ "&": { height: options.height }, ".cm-scroller": { overflow: "auto" } }),
        theme.of(dark.matches ? darkTheme : []),
        // The editable region's name (the scenario it holds); an explicit tab stop, so its scrolling box counts as keyboard-reachable.
        EditorView.contentAttributes.of({ "aria-label": `Scenario JSON: ${options.label}`, tabindex: "0" }),
        EditorView.updateListener.of((u) => u.docChanged && options.changed(u.state.doc.toString())),
      ],
    }),
  });
  const followScheme = () => view.dispatch({ effects: theme.reconfigure(dark.matches ? darkTheme : []) });
  dark.addEventListener("change", followScheme);
  void options.invalidation?.then(() => dark.removeEventListener("change", followScheme));
  return {
    check() {
      forceLinting(view);
      return read(view.state, options.requires);
    },
    setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  };
}
