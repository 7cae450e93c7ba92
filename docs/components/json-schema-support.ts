// CodeMirror support for editing scenarios as JSON: completion and hover
// documentation from the published schema (src/host/schema-nav.ts), and
// lint diagnostics from the same reader and validator the CLI uses.
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { ensureSyntaxTree, syntaxTree } from "@codemirror/language";
import { linter, type Diagnostic } from "@codemirror/lint";
import type { EditorState, Extension } from "@codemirror/state";
import { hoverTooltip } from "@codemirror/view";
import type { SyntaxNode, Tree } from "@lezer/common";
import { formatErrors, jsonSchema, parsePath, type PathSegment, SchemaNavigator, type SchemaNode, type ScenarioSpec, validateScenarioText } from "../faultline/editing.js";

const VALUES = new Set(["Object", "Array", "String", "Number", "True", "False", "Null"]);
const SCHEMA = jsonSchema() as SchemaNode;

function text(state: EditorState, node: SyntaxNode): string {
  return state.doc.sliceString(node.from, node.to);
}

/** A property's key, or null when the key is not a complete JSON string yet. */
function keyOf(state: EditorState, property: SyntaxNode): string | null {
  const name = property.getChild("PropertyName");
  try {
    return name ? (JSON.parse(text(state, name)) as string) : null;
  } catch {
    return null;
  }
}

function valueChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (VALUES.has(c.name)) out.push(c);
  return out;
}

/** The JSON path of the value `node` (or of the object or array it is directly inside). */
function pathOf(state: EditorState, node: SyntaxNode): PathSegment[] {
  const path: PathSegment[] = [];
  for (let n: SyntaxNode = node; n.parent; n = n.parent) {
    const p = n.parent;
    if (p.name === "Property" && n.name !== "PropertyName") {
      const key = keyOf(state, p);
      if (key !== null) path.unshift(key);
    } else if (p.name === "Array" && VALUES.has(n.name)) path.unshift(valueChildren(p).findIndex((c) => c.from === n.from));
  }
  return path;
}

/** The deepest node of the document along `path` (the value there, or the closest container that exists). */
function nodeAt(state: EditorState, tree: Tree, path: readonly PathSegment[]): SyntaxNode | null {
  let node = tree.topNode.firstChild && VALUES.has(tree.topNode.firstChild.name) ? tree.topNode.firstChild : null;
  for (const seg of path) {
    if (!node) break;
    let next: SyntaxNode | null = null;
    if (typeof seg === "string" && node.name === "Object") {
      for (const p of node.getChildren("Property")) if (keyOf(state, p) === seg) next = p.lastChild && VALUES.has(p.lastChild.name) ? p.lastChild : p;
    } else if (typeof seg === "number" && node.name === "Array") next = valueChildren(node)[seg] ?? null;
    if (!next) break;
    node = next;
  }
  return node;
}

/** A navigator that narrows unions by the tags (`op`, `dist`, ...) present in the editor's document. */
function navigator(state: EditorState): SchemaNavigator {
  const tree = syntaxTree(state);
  return new SchemaNavigator(SCHEMA, (path, key) => {
    const obj = nodeAt(state, tree, path);
    if (obj?.name !== "Object") return undefined;
    for (const p of obj.getChildren("Property")) {
      const v = p.lastChild;
      if (keyOf(state, p) === key && v?.name === "String") return JSON.parse(text(state, v));
    }
    return undefined;
  });
}

/** Completion of property names inside objects and of constant values (ops, profiles, flags, kinds). */
export function completeScenario(context: CompletionContext): CompletionResult | null {
  const { state, pos } = context;
  const node = syntaxTree(state).resolveInner(pos, -1);
  const nav = navigator(state);
  const inObject = (n: SyntaxNode | null): SyntaxNode | null => (n?.name === "Object" ? n : n?.name === "{" || n?.name === "," ? inObject(n.parent) : null);
  // A key being typed: a PropertyName, or an unfinished string the parser could not place.
  const keyNode = node.name === "PropertyName" ? node : node.name === "⚠" && inObject(node.parent) ? node : null;
  const object = keyNode ? (keyNode.name === "PropertyName" ? keyNode.parent?.parent ?? null : keyNode.parent) : inObject(node);
  if (object && (keyNode || /[{,]\s*"?[\w$]*$/.test(state.sliceDoc(object.from, pos)))) {
    // The key's text as typed, with or without its quotes; the menu filters on what follows the opening quote.
    const start = keyNode ? keyNode.from : (context.matchBefore(/"?[\w$]*/)?.from ?? pos);
    const from = state.sliceDoc(start, start + 1) === '"' ? start + 1 : start;
    const end = keyNode?.name === "PropertyName" ? keyNode.to : pos;
    const present = new Set(object.getChildren("Property").filter((p) => p.getChild("PropertyName") !== keyNode).map((p) => keyOf(state, p)));
    const hasColon = keyNode?.name === "PropertyName" && keyNode.nextSibling?.name === ":";
    const options: Completion[] = nav
      .properties(pathOf(state, object))
      .filter((p) => !present.has(p.name))
      .map((p) => ({
        label: p.name,
        detail: p.required ? "required" : undefined,
        info: p.schema.description,
        type: "property",
        // Replace the whole key, quotes included, and add the colon unless there is one.
        apply: (view, _completion, _from, _to) => {
          const insert = `${JSON.stringify(p.name)}${hasColon ? "" : ": "}`;
          view.dispatch({ changes: { from: start, to: Math.max(end, view.state.selection.main.head), insert }, selection: { anchor: start + insert.length } });
        },
      }));
    return options.length > 0 ? { from, to: pos, options, validFor: /^[\w$]*$/ } : null;
  }
  // A value: after a colon, or inside a string in value position, or an array element.
  const valueNode = VALUES.has(node.name) && node.name !== "Object" && node.name !== "Array" ? node : null;
  let path: PathSegment[] | null = null;
  if (valueNode) path = pathOf(state, valueNode);
  else if (node.name === "Property" || node.name === ":") {
    const prop = node.name === ":" ? node.parent! : node;
    const key = keyOf(state, prop);
    if (key !== null) path = [...pathOf(state, prop.parent!), key];
  } else if (node.name === "Array" || node.name === "[" || node.name === ",") {
    const arr = node.name === "Array" ? node : node.parent;
    if (arr?.name === "Array") path = [...pathOf(state, arr), valueChildren(arr).length];
  }
  if (!path) return null;
  const values = nav.values(path);
  // Inside a string: complete its contents, between the quotes.
  if (valueNode?.name === "String") {
    const closed = valueNode.to - valueNode.from > 1 && state.sliceDoc(valueNode.to - 1, valueNode.to) === '"';
    const options: Completion[] = values.filter((v) => typeof v.value === "string").map((v) => ({ label: String(v.value), info: v.description, type: "enum", apply: JSON.stringify(v.value).slice(1, -1) }));
    return options.length > 0 ? { from: valueNode.from + 1, to: closed ? valueNode.to - 1 : valueNode.to, options, validFor: /^[\w.$-]*$/ } : null;
  }
  const options: Completion[] = values.map((v) => ({ label: JSON.stringify(v.value), info: v.description, type: typeof v.value === "string" ? "enum" : "constant" }));
  if (options.length === 0) return null;
  return { from: valueNode?.from ?? pos, to: valueNode?.to ?? pos, options, validFor: /^"?[\w.$-]*"?$/ };
}

/** What the format says about the key or value at `pos` (`side` as in hover), with the range it describes. */
export function scenarioDocAt(state: EditorState, pos: number, side: -1 | 1): { from: number; to: number; doc: string } | null {
  const node = syntaxTree(state).resolveInner(pos, side);
  let path: PathSegment[] | null = null;
  if (node.name === "PropertyName" && node.parent) {
    const key = keyOf(state, node.parent);
    if (key !== null) path = [...pathOf(state, node.parent.parent!), key];
  } else if (VALUES.has(node.name) && node.name !== "Object" && node.name !== "Array") path = pathOf(state, node);
  if (!path) return null;
  const nav = navigator(state);
  let doc = nav.describe(path);
  if (node.name === "String") {
    const value = JSON.parse(text(state, node)) as string;
    const tag = nav.values(path).find((v) => v.value === value);
    if (tag?.description) doc = `${value}: ${tag.description}`;
  }
  return doc ? { from: node.from, to: node.to, doc } : null;
}

/** Hover documentation: what the format says about a key or a tag value. */
const hover = hoverTooltip((view, pos, side) => {
  const found = scenarioDocAt(view.state, pos, side);
  if (!found) return null;
  return {
    pos: found.from,
    end: found.to,
    above: true,
    create() {
      const dom = document.createElement("div");
      dom.className = "cm-schema-doc";
      dom.textContent = found.doc;
      return { dom };
    },
  };
});

/**
 * Diagnostics from the reader and validator the CLI uses (validateScenarioText),
 * with the CLI's messages: a JSON syntax error at its line:column (an empty
 * text, a trailing comma, a number past the double range, a key given twice
 * and nesting past the limit included), then the validator's
 * `path: expected X, found Y` errors at the value they name.
 */
export function scenarioDiagnostics(state: EditorState): Diagnostic[] {
  return readScenario(state).diagnostics;
}

/** The editor's scenario read as {@link scenarioDiagnostics} reads it: the valid scenario, or the diagnostics. */
export function readScenario(state: EditorState): { spec: ScenarioSpec; diagnostics: [] } | { spec: null; diagnostics: Diagnostic[] } {
  const doc = state.doc;
  // The reader drops a leading byte order mark: its columns on line 1 count from after it.
  const bom = doc.sliceString(0, 1) === "\ufeff" ? 1 : 0;
  const offset = (at: { line: number; column: number }) => {
    const line = doc.line(Math.min(Math.max(at.line, 1), doc.lines));
    return Math.min(line.from + at.column - 1 + (at.line === 1 ? bom : 0), line.to);
  };
  const span = (from: number, to: number) => ({ from: Math.min(from, doc.length), to: Math.min(Math.max(to, from + 1), doc.length) });
  const v = validateScenarioText(doc.toString());
  if (v.ok) return { spec: v.scenario, diagnostics: [] };
  if ("syntax" in v) {
    const from = Math.min(offset(v.syntax), Math.max(0, doc.length - 1));
    return { spec: null, diagnostics: [{ ...span(from, from + 1), severity: "error", message: `${v.syntax.line}:${v.syntax.column}: invalid JSON: ${v.syntax.message}` }] };
  }
  const tree = ensureSyntaxTree(state, doc.length, 500) ?? syntaxTree(state);
  const diagnostics = formatErrors(v.errors, { partial: v.partial }).map((message, i): Diagnostic => {
    const err = v.errors[i];
    if (!err) return { ...span(0, 1), severity: "error", message };
    const node = err.at ? null : nodeAt(state, tree, parsePath(err.path));
    const from = err.at ? offset(err.at) : (node?.from ?? 0);
    return { ...span(from, Math.min(node?.to ?? from + 1, doc.lineAt(from).to)), severity: "error", message };
  });
  return { spec: null, diagnostics };
}

/** Completion, hover docs and lint for the scenario format. */
export function scenarioSchemaSupport(): Extension {
  return [autocompletion({ override: [completeScenario], activateOnTyping: true }), hover, linter((view) => scenarioDiagnostics(view.state), { delay: 250 })];
}
