// The CodeMirror 6 editors: YAML highlighting, the engine's diagnostics as underlines with the message on hover,
// completion, hover and go-to-definition from the package's editor services (RGD editor only).
import {
  autocompletion,
  closeBrackets,
  completionKeymap,
  type Completion,
  type CompletionContext,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, foldGutter, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { EditorState, StateEffect, StateField, type Extension, type Text } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  hoverTooltip,
  keymap,
  lineNumbers,
  placeholder,
  WidgetType,
} from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import type { CompletionItem, Position, Range } from '@kro-rs/engine';
import type { DocName } from './protocol';
import type { EngineClient } from './engine';

/** LSP position (0-based line, UTF-16 column) to a CodeMirror offset (UTF-16 too), clamped into the document. */
export function toOffset(doc: Text, p: Position): number {
  const line = doc.line(Math.min(Math.max(p.line + 1, 1), doc.lines));
  return Math.min(line.from + Math.max(p.character, 0), line.to);
}

export function toPosition(doc: Text, offset: number): Position {
  const line = doc.lineAt(offset);
  return { line: line.number - 1, character: offset - line.from };
}

export function rangeToOffsets(doc: Text, range: Range): { from: number; to: number } {
  const from = toOffset(doc, range.start);
  return { from, to: Math.max(from, toOffset(doc, range.end)) };
}

/** Colours from the page's CSS variables, so the editors follow the light and dark themes. */
const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: 'var(--syn-key)' },
  { tag: [t.string, t.special(t.string), t.content], color: 'var(--syn-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--syn-number)' },
  { tag: [t.comment, t.lineComment], color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: [t.meta, t.typeName, t.labelName], color: 'var(--syn-meta)' },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: 'var(--syn-punct)' },
  { tag: t.keyword, color: 'var(--syn-keyword)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', backgroundColor: 'var(--editor-bg)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--accent)' },
  '.cm-cursor': { borderLeftColor: 'var(--accent)' },
  '.cm-gutters': { backgroundColor: 'var(--editor-bg)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)', color: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--selection) !important',
  },
  '.cm-tooltip': {
    backgroundColor: 'var(--panel)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
    borderRadius: '8px',
    boxShadow: 'var(--shadow)',
    maxWidth: '520px',
  },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--on-accent)' },
  '.cm-diagnostic': { padding: '6px 10px', fontFamily: 'var(--sans)', whiteSpace: 'pre-wrap' },
  '.cm-hover': { padding: '8px 12px', fontFamily: 'var(--sans)', fontSize: '13px', whiteSpace: 'pre-wrap' },
  '.cm-hover code': { fontFamily: 'var(--mono)', fontSize: '12px' },
  '.cm-lintRange-error': { textDecorationColor: 'var(--error)' },
  '.cm-panels': { backgroundColor: 'var(--panel)', color: 'var(--text)' },
});

const completionTypes: Record<CompletionItem['kind'], string> = {
  field: 'property',
  resource: 'variable',
  variable: 'variable',
  function: 'function',
  macro: 'keyword',
  type: 'type',
  marker: 'keyword',
  keyword: 'keyword',
};

/** A tiny Markdown to DOM: code spans, code fences and paragraphs, which is what the engine's hovers use. */
export function markdown(text: string): HTMLElement {
  const root = document.createElement('div');
  root.className = 'md';
  const blocks = text.split(/\n```[a-z]*\n?|^```[a-z]*\n?/m);
  blocks.forEach((block, i) => {
    if (!block.trim()) return;
    if (i % 2 === 1) {
      const pre = document.createElement('pre');
      pre.textContent = block.replace(/\n$/, '');
      root.append(pre);
      return;
    }
    for (const para of block.split(/\n{2,}/)) {
      if (!para.trim()) continue;
      const p = document.createElement('p');
      para.split(/(`[^`]+`)/).forEach((piece) => {
        if (piece.startsWith('`') && piece.endsWith('`') && piece.length > 1) {
          const code = document.createElement('code');
          code.textContent = piece.slice(1, -1);
          p.append(code);
        } else {
          p.append(piece.replace(/\*\*([^*]+)\*\*/g, '$1'));
        }
      });
      root.append(p);
    }
  });
  return root;
}

/** An expression's value at the simulator's step, as the editor shows it: in a hover, or inline. */
export interface ShownValue {
  from: number;
  to: number;
  /** The value in one line (`"web"`, `3`, `pending`). */
  short: string;
  /** The value in full, or why there is none. */
  long: string;
  outcome: 'value' | 'items' | 'pending' | 'excluded' | 'failed';
  /** The simulator's step it is the value at (1-based). */
  step?: number;
}

export interface EditorHooks {
  onChange: () => void;
  /** The cursor or selection moved (by keyboard, mouse or a command). */
  onSelection?: (head: number) => void;
  /** The document this editor holds, for the engine's editor services. */
  doc: DocName;
  /** The engine's editor services (completion everywhere, hover and definition in the RGD). */
  engine?: EngineClient;
  /** The value of the expression at a position at the simulator's step, shown in the hover. */
  valueAt?: (pos: number) => Promise<ShownValue | null>;
  /** Where a go-to-definition lands. */
  onDefinition?: (from: number, to: number) => void;
  /** Shown while the document is empty. */
  placeholder?: string;
}

/** How much CodeMirror's own ranking (by the letters typed) is nudged towards the engine's order of kinds:
 * the fields of what is being read first, names and keywords next, functions last. */
const boosts: Record<CompletionItem['kind'], number> = {
  field: 40,
  resource: 40,
  variable: 40,
  type: 20,
  marker: 20,
  keyword: 0,
  macro: -40,
  function: -40,
};

function services(engine: EngineClient, hooks: EditorHooks): Extension[] {
  const doc = hooks.doc;
  const complete = async (context: CompletionContext) => {
    const text = context.state.doc.toString();
    const items = await engine.complete(doc, text, toPosition(context.state.doc, context.pos));
    if (context.aborted || items.length === 0) return null;
    const first = items[0]!;
    const { from, to } = rangeToOffsets(context.state.doc, first.range);
    // Only offer completions when the user typed something or asked explicitly, except right after `.`/`${`.
    if (!context.explicit && from === to && !/[.{]$/.test(context.state.sliceDoc(Math.max(0, from - 1), from))) {
      return null;
    }
    const options: Completion[] = items.map((item) => ({
      label: item.label,
      type: completionTypes[item.kind],
      detail: item.detail,
      info: item.documentation ? () => markdown(item.documentation!) : undefined,
      apply: item.insertText ?? item.label,
      boost: boosts[item.kind],
    }));
    return { from, to, options, validFor: /^[\w-]*$/ };
  };

  const hover = hoverTooltip(async (view, pos) => {
    const result =
      doc === 'rgd' ? await engine.hover(doc, view.state.doc.toString(), toPosition(view.state.doc, pos)) : null;
    const value = (await hooks.valueAt?.(pos)) ?? null;
    if (!result && !value) return null;
    const range = result ? rangeToOffsets(view.state.doc, result.range) : { from: value!.from, to: value!.to };
    return {
      pos: value ? Math.min(value.from, range.from) : range.from,
      end: value ? Math.max(value.to, range.to) : range.to,
      above: true,
      create: () => {
        const dom = document.createElement('div');
        dom.className = 'cm-hover';
        if (value) {
          const shown = document.createElement('div');
          shown.className = `cm-hover-value ${value.outcome}`;
          const head = document.createElement('strong');
          head.textContent = value.step ? `At step ${value.step}: ` : 'At this step: ';
          const body = document.createElement('pre');
          body.textContent = value.long;
          shown.append(head, body);
          dom.append(shown);
        }
        if (result) dom.append(markdown(result.contents));
        return { dom };
      },
    };
  });

  const goToDefinition = async (view: EditorView, pos: number) => {
    const found = await engine.definition(doc, view.state.doc.toString(), toPosition(view.state.doc, pos));
    if (!found) return false;
    const { from, to } = rangeToOffsets(view.state.doc, found.range);
    view.dispatch({ selection: { anchor: from, head: to }, effects: EditorView.scrollIntoView(from, { y: 'center' }) });
    hooks.onDefinition?.(from, to);
    return true;
  };

  if (doc !== 'rgd') return [autocompletion({ override: [complete], activateOnTyping: true, icons: true }), hover];
  return [
    autocompletion({ override: [complete], activateOnTyping: true, icons: true }),
    hover,
    keymap.of([{ key: 'F12', run: (view) => (void goToDefinition(view, view.state.selection.main.head), true) }]),
    EditorView.domEventHandlers({
      mousedown: (event, view) => {
        if (!(event.ctrlKey || event.metaKey)) return false;
        const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
        if (pos === null) return false;
        event.preventDefault();
        void goToDefinition(view, pos);
        return true;
      },
    }),
  ];
}

export function createEditor(parent: HTMLElement, text: string, label: string, hooks: EditorHooks): EditorView {
  const extensions: Extension[] = [
    lineNumbers(),
    foldGutter(),
    lintGutter(),
    highlightActiveLine(),
    highlightActiveLineGutter(),
    highlightSelectionMatches(),
    drawSelection(),
    history(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    yaml(),
    syntaxHighlighting(highlight),
    theme,
    // Tab indents (YAML needs it); Escape then Tab leaves the editor, so keyboard users are never trapped.
    keymap.of([...completionKeymap, indentWithTab, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
    // A tab stop of its own, so the scrolling area is reachable by keyboard (axe: scrollable-region-focusable).
    EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) hooks.onChange();
      if (update.selectionSet) hooks.onSelection?.(update.state.selection.main.head);
    }),
  ];
  if (hooks.engine) extensions.push(services(hooks.engine, hooks));
  extensions.push(inlineValues);
  if (hooks.placeholder) extensions.push(placeholder(hooks.placeholder));
  return new EditorView({ parent, state: EditorState.create({ doc: text, extensions }) });
}

const added = Decoration.line({ class: 'cm-diff-added' });
const removed = Decoration.line({ class: 'cm-diff-removed' });

/** In a unified diff (the Compare tab's text), added and removed lines coloured. */
const diffLines = EditorView.decorations.compute(['doc'], (state) => {
  const doc = state.doc;
  if (!/^\+\+\+ current\//m.test(doc.sliceString(0, Math.min(doc.length, 20000)))) return Decoration.none;
  const marks = [];
  for (let i = 1; i <= doc.lines; i++) {
    const line = doc.line(i);
    const first = line.text[0];
    if (line.text.startsWith('+++') || line.text.startsWith('---')) continue;
    if (first === '+') marks.push(added.range(line.from));
    else if (first === '-') marks.push(removed.range(line.from));
  }
  return Decoration.set(marks);
});

/** A read-only viewer for the outputs. */
export function createViewer(parent: HTMLElement, label: string): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        lineNumbers(),
        foldGutter(),
        yaml(),
        syntaxHighlighting(highlight),
        theme,
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        diffLines,
        EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
        keymap.of(defaultKeymap),
      ],
    }),
  });
}

export function replaceText(view: EditorView, text: string) {
  if (view.state.doc.toString() === text) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

export function showDiagnostics(view: EditorView, diagnostics: CmDiagnostic[]) {
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

/** The values shown inline after each `${...}` (the Values toggle), as widgets set from outside. */
const setInlineValues = StateEffect.define<ShownValue[]>();

class ValueWidget extends WidgetType {
  constructor(private readonly value: ShownValue) {
    super();
  }
  eq(other: ValueWidget) {
    return other.value.short === this.value.short && other.value.outcome === this.value.outcome;
  }
  toDOM() {
    const span = document.createElement('span');
    span.className = `cm-inline-value ${this.value.outcome}`;
    span.textContent = this.value.short;
    span.title = this.value.long;
    return span;
  }
}

const inlineValues = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setInlineValues)) continue;
      const length = tr.state.doc.length;
      const widgets = effect.value
        .filter((v) => v.to <= length)
        .sort((a, b) => a.to - b.to)
        // Right after the expression's closing brace (its range holds the whole `${...}`).
        .map((v) => Decoration.widget({ widget: new ValueWidget(v), side: 1 }).range(Math.min(length, v.to)));
      marks = Decoration.set(widgets, true);
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** Shows `values` inline in `view` (none: hides them). */
export function showInlineValues(view: EditorView, values: ShownValue[]) {
  view.dispatch({ effects: setInlineValues.of(values) });
}
