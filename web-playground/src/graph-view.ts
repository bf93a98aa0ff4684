// The DAG as a layered SVG drawing (dagre lays it out) that zooms and pans (d3-zoom: the wheel, a drag, a
// pinch, the buttons and the keys + - 0). The layout is computed only when the graph's shape changes, so typing
// elsewhere never moves a box; a step of the reconcile simulator only recolours the nodes.
//
// Waves run left to right while that fits the panel, and top to bottom when the graph is deeper than it is
// wide (a chain of 100 is a column to scroll, not a 20000-pixel line squeezed into the panel). A graph too big
// to read whole opens at a readable scale at its first wave; Fit shows all of it.
import dagre from '@dagrejs/dagre';
import type { Graph, GraphResource, NodeState, StepSummary } from '@kro-rs/engine';
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior } from 'd3-zoom';

export interface NodeStatus {
  /** What the engine's plan does with the node at the simulator's step ('idle': no simulation). */
  state: NodeState | 'idle';
  /** Why, in a sentence (the reason the plan gives for a wait or a failure). */
  detail: string;
}

export const stateIcon: Record<NodeStatus['state'], string> = {
  ready: '✓',
  applied: '↻',
  waiting: '…',
  excluded: '⊘',
  failed: '✕',
  deleting: '↓',
  deleted: '·',
  idle: '·',
};

/** Each node's state in a step, as the engine says it, with the reason it gives for a wait. */
export function statesOf(step: StepSummary): Map<string, NodeStatus> {
  const reasons = new Map(step.pending.map((p) => [p.id, p.reason.message]));
  return new Map(step.nodes.map((n) => [n.id, { state: n.state, detail: reasons.get(n.id) ?? '' }]));
}

const NODE_WIDTH = 164;
const NODE_HEIGHT = 54;
/** Below this scale a node's text cannot be read: a bigger graph opens at this scale instead of whole. */
const READABLE = 0.6;
const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number> = {}, text?: string) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The shape of a graph: what decides the layout. */
function shapeKey(graph: Graph): string {
  return JSON.stringify(
    graph.resources.map((r) => [
      r.id,
      r.kind,
      r.dependsOn,
      r.wave,
      r.includeWhen.length > 0,
      r.external,
      r.forEach.length > 0,
    ]),
  );
}

/** Shortens a drawn text with an ellipsis until it fits `room` pixels. */
function fit(text: SVGTextElement, room: number) {
  const full = text.textContent ?? '';
  let length = full.length;
  while (length > 1 && text.getComputedTextLength() > room) {
    length -= 1;
    text.textContent = full.slice(0, length) + '…';
  }
}

/** Every node reachable from `id` following `next` (the dependencies, or the dependents). */
function closure(id: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [...(next.get(id) ?? [])];
  while (todo.length) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    todo.push(...(next.get(n) ?? []));
  }
  return seen;
}

export class GraphView {
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private key = '';
  private nodes = new Map<string, SVGGElement>();
  private selected: string | null = null;
  private graph: Graph | null = null;
  private states: Map<string, NodeStatus> | null = null;
  private size = { width: 0, height: 0 };
  private cycles: string[][] = [];
  /** Where each node is drawn (its centre), for edges drawn later (a cycle's) and for centring on it. */
  private centres = new Map<string, { x: number; y: number }>();
  onSelect: (id: string) => void = () => {};

  constructor(private readonly host: HTMLElement) {
    this.svg = el('svg', { class: 'dag', role: 'group', 'aria-label': 'Resource graph' });
    this.viewport = el('g', { class: 'viewport' });
    this.svg.append(this.viewport);
    host.append(this.svg);
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.02, 3])
      .on('zoom', (event: { transform: { toString(): string; k: number } }) => {
        this.viewport.setAttribute('transform', event.transform.toString());
        this.svg.dataset.scale = event.transform.k.toFixed(3);
      });
    select(this.svg).call(this.zoomer).on('dblclick.zoom', null);
    this.svg.addEventListener('keydown', (event) => {
      if ((event.target as Element).closest('.node')) return;
      if (event.key === '+' || event.key === '=') this.zoomBy(1.25);
      else if (event.key === '-') this.zoomBy(0.8);
      else if (event.key === '0') this.fitAll();
      else return;
      event.preventDefault();
    });
    // The orientation follows the panel's shape; the layout changes only when that choice changes.
    new ResizeObserver(() => {
      if (this.graph && this.key !== this.keyOf(this.graph)) this.show(this.graph);
    }).observe(host);
  }

  /** Left to right while the waves fit the panel's width at a readable scale, else top to bottom when the
   * graph has more waves than nodes in its widest wave. */
  private horizontal(graph: Graph): boolean {
    const waves = new Map<number, number>();
    for (const r of graph.resources) waves.set(r.wave, (waves.get(r.wave) ?? 0) + 1);
    const depth = waves.size;
    const widest = Math.max(1, ...waves.values());
    const width = this.host.clientWidth || 800;
    if (depth * (NODE_WIDTH + 40) * READABLE <= width) return this.host.clientWidth >= this.host.clientHeight;
    return depth <= widest;
  }

  private keyOf(graph: Graph): string {
    return (this.horizontal(graph) ? 'LR' : 'TB') + shapeKey(graph);
  }

  /** Draws `graph`, keeping the current drawing when its shape is unchanged. */
  show(graph: Graph) {
    this.graph = graph;
    const key = this.keyOf(graph);
    if (key === this.key) {
      // Same shape: refresh only the tooltips, which carry expressions that may have changed.
      for (const r of graph.resources) this.nodes.get(r.id)?.querySelector('title')?.replaceChildren(tooltip(r));
      return;
    }
    const first = this.key === '';
    this.key = key;
    this.layout(graph, key.startsWith('LR'));
    this.colour(this.states);
    this.drawCycles();
    if (first || this.selected === null) this.openView();
  }

  clear() {
    this.key = '';
    this.graph = null;
    this.nodes.clear();
    this.centres.clear();
    this.viewport.replaceChildren();
  }

  /** Colours every node by its state at the simulator's step (null: no simulation, plain colours). */
  colour(states: Map<string, NodeStatus> | null) {
    this.states = states;
    const kinds = new Map(this.graph?.resources.map((r) => [r.id, r.kind]) ?? []);
    for (const [id, node] of this.nodes) {
      const status = states?.get(id);
      node.dataset.state = status?.state ?? 'idle';
      const label = node.querySelector('.node-state');
      if (label) label.textContent = status && status.state !== 'idle' ? status.state : '';
      // The node's name is what it shows (its id, kind, state and badges: WCAG's label in name); why it waits
      // is its description.
      const kind = kinds.get(id) ? '' : 'unknown kind. ';
      const why = `${kind}${status?.detail ?? ''}`;
      if (why) node.setAttribute('aria-description', why);
      else node.removeAttribute('aria-description');
    }
  }

  /** Selects a node: it, what it depends on and what depends on it are highlighted, the rest dimmed. */
  select(id: string | null) {
    this.selected = id && this.nodes.has(id) ? id : null;
    const deps = new Map<string, string[]>();
    const dependents = new Map<string, string[]>();
    for (const r of this.graph?.resources ?? []) {
      deps.set(r.id, r.dependsOn);
      for (const d of r.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), r.id]);
    }
    const up = this.selected ? closure(this.selected, deps) : new Set<string>();
    const down = this.selected ? closure(this.selected, dependents) : new Set<string>();
    this.svg.classList.toggle('focused', this.selected !== null);
    for (const [nodeId, node] of this.nodes) {
      node.classList.toggle('selected', nodeId === this.selected);
      node.classList.toggle('upstream', up.has(nodeId));
      node.classList.toggle('downstream', down.has(nodeId));
    }
    const lit = (n: string) => n === this.selected || up.has(n) || down.has(n);
    for (const edge of this.viewport.querySelectorAll<SVGPathElement>('.edge')) {
      const { from = '', to = '' } = edge.dataset;
      edge.classList.toggle('lit', this.selected !== null && lit(from) && lit(to));
    }
  }

  /** The ids matching `query` (case-insensitive, part of the id); the first is selected and centred. */
  find(query: string): string[] {
    const q = query.trim().toLowerCase();
    const matches = q ? [...this.nodes.keys()].filter((id) => id.toLowerCase().includes(q)) : [];
    for (const [id, node] of this.nodes) node.classList.toggle('match', matches.includes(id));
    if (matches[0]) {
      this.select(matches[0]);
      this.centreOn(matches[0]);
    }
    return matches;
  }

  /** The cycles to show (each a list of ids, each reading the next, the last reading the first). */
  showCycles(cycles: string[][]) {
    if (JSON.stringify(cycles) === JSON.stringify(this.cycles)) return;
    this.cycles = cycles;
    this.drawCycles();
  }

  zoomBy(factor: number) {
    select(this.svg).call(this.zoomer.scaleBy, factor);
  }

  /** The whole graph in the panel, however small that makes it. */
  fitAll() {
    const { width, height } = this.size;
    const [w, h] = [this.host.clientWidth || 1, this.host.clientHeight || 1];
    if (!width || !height) return;
    const k = Math.min(w / width, h / height, 1.5);
    select(this.svg).call(
      this.zoomer.transform,
      zoomIdentity.translate((w - width * k) / 2, (h - height * k) / 2).scale(k),
    );
  }

  private centreOn(id: string) {
    const c = this.centres.get(id);
    if (!c) return;
    const [w, h] = [this.host.clientWidth || 1, this.host.clientHeight || 1];
    const k = Math.max(READABLE, Math.min(1, Number(this.svg.dataset.scale ?? 1)));
    select(this.svg).call(this.zoomer.transform, zoomIdentity.translate(w / 2 - c.x * k, h / 2 - c.y * k).scale(k));
  }

  /** The view a graph opens with: whole when that is readable, else readable at its first wave. */
  private openView() {
    const { width, height } = this.size;
    const [w, h] = [this.host.clientWidth || 1, this.host.clientHeight || 1];
    const whole = Math.min(w / Math.max(width, 1), h / Math.max(height, 1));
    if (whole >= READABLE) return this.fitAll();
    const k = Math.max(READABLE, Math.min(1, w / Math.max(width, 1)));
    const x = width * k < w ? (w - width * k) / 2 : 8;
    select(this.svg).call(this.zoomer.transform, zoomIdentity.translate(x, 8).scale(k));
  }

  private layout(graph: Graph, horizontal: boolean) {
    const g = new dagre.graphlib.Graph();
    // Room for the wave labels: above the columns (LR) or left of the rows (TB).
    const [offX, offY] = horizontal ? [0, 18] : [56, 0];
    g.setGraph({
      rankdir: horizontal ? 'LR' : 'TB',
      nodesep: horizontal ? 18 : 28,
      ranksep: 40,
      marginx: 12,
      marginy: 12,
    });
    g.setDefaultEdgeLabel(() => ({}));
    for (const r of graph.resources) g.setNode(r.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    const ids = new Set(graph.resources.map((r) => r.id));
    for (const r of graph.resources) for (const d of r.dependsOn) if (ids.has(d)) g.setEdge(d, r.id);
    dagre.layout(g);
    const { width = 0, height = 0 } = g.graph();
    this.size = { width: width + offX, height: height + offY };

    const defs = el('defs');
    for (const [id, cls] of [
      ['arrow', 'arrow-head'],
      ['arrow-cycle', 'arrow-head cycle'],
    ] as const) {
      const marker = el('marker', {
        id,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      });
      marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }));
      defs.append(marker);
    }

    // Waves: one band behind the nodes of each wave, labelled, when the layout put each wave on its own rows
    // (columns, left to right).
    const bands = el('g', { class: 'waves' });
    const byWave = new Map<number, { start: number; end: number }>();
    for (const r of graph.resources) {
      const n = g.node(r.id);
      const [centre, half] = horizontal ? [n.x, NODE_WIDTH / 2] : [n.y, NODE_HEIGHT / 2];
      const band = byWave.get(r.wave) ?? { start: Infinity, end: -Infinity };
      band.start = Math.min(band.start, centre - half);
      band.end = Math.max(band.end, centre + half);
      byWave.set(r.wave, band);
    }
    const sorted = [...byWave.entries()].sort((a, b) => a[0] - b[0]);
    const separate = sorted.every(([, b], i) => i === 0 || b.start > sorted[i - 1]![1].end);
    if (separate) {
      sorted.forEach(([wave, b], i) => {
        const cls = `wave-band ${i % 2 ? 'odd' : 'even'}`;
        if (horizontal) {
          bands.append(
            el('rect', { x: b.start - 8, y: 0, width: b.end - b.start + 16, height: height + offY, rx: 8, class: cls }),
            el(
              'text',
              { x: (b.start + b.end) / 2, y: 13, class: 'wave-label', 'text-anchor': 'middle' },
              `wave ${wave}`,
            ),
          );
        } else {
          bands.append(
            el('rect', { x: 0, y: b.start - 8, width: width + offX, height: b.end - b.start + 16, rx: 8, class: cls }),
            el('text', { x: 6, y: (b.start + b.end) / 2 + 4, class: 'wave-label' }, `wave ${wave}`),
          );
        }
      });
    }

    const edges = el('g', { class: 'edges' });
    for (const e of g.edges()) {
      const points = g.edge(e).points ?? [];
      if (points.length < 2) continue;
      const [first, ...rest] = points;
      let d = `M${first!.x + offX},${first!.y + offY}`;
      // A smooth curve through dagre's points: each pair of following points becomes a quadratic segment.
      for (let i = 0; i < rest.length; i++) {
        const p = rest[i]!;
        const next = rest[i + 1];
        d += next
          ? ` Q${p.x + offX},${p.y + offY} ${(p.x + next.x) / 2 + offX},${(p.y + next.y) / 2 + offY}`
          : ` L${p.x + offX},${p.y + offY}`;
      }
      edges.append(el('path', { d, class: 'edge', 'data-from': e.v, 'data-to': e.w, 'marker-end': 'url(#arrow)' }));
    }

    const nodes = el('g', { class: 'nodes' });
    this.nodes.clear();
    this.centres.clear();
    for (const r of graph.resources) {
      const n = g.node(r.id);
      this.centres.set(r.id, { x: n.x + offX, y: n.y + offY });
      const x = n.x - NODE_WIDTH / 2 + offX;
      const y = n.y - NODE_HEIGHT / 2 + offY;
      const kinds = [
        r.includeWhen.length > 0 ? 'conditional' : '',
        r.external ? 'external' : '',
        r.forEach.length > 0 ? 'collection' : '',
      ].filter(Boolean);
      const node = el('g', {
        class: ['node', ...kinds].join(' '),
        transform: `translate(${x},${y})`,
        tabindex: 0,
        role: 'button',
        'data-id': r.id,
      }) as SVGGElement;
      if (r.forEach.length > 0) {
        // A collection is drawn as a stack of cards.
        node.append(el('rect', { x: 6, y: -6, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 9, class: 'stack' }));
        node.append(el('rect', { x: 3, y: -3, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 9, class: 'stack' }));
      }
      node.append(el('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 9, class: 'box' }));
      node.append(el('text', { x: 12, y: 22, class: 'node-id', 'data-room': NODE_WIDTH - 20 }, r.id));
      node.append(el('text', { x: 12, y: 40, class: 'node-kind', 'data-room': NODE_WIDTH - 70 }, r.kind || '?'));
      node.append(el('text', { x: NODE_WIDTH - 10, y: 40, class: 'node-state', 'text-anchor': 'end' }, ''));
      const badges = [
        r.includeWhen.length > 0 ? 'if' : '',
        r.external ? 'ext' : '',
        r.forEach.length > 0 ? 'each' : '',
      ].filter(Boolean);
      // The id gives way to the badges beside it.
      node.querySelector('.node-id')?.setAttribute('data-room', String(NODE_WIDTH - 20 - badges.length * 34));
      badges.forEach((badge, i) => {
        const bx = NODE_WIDTH - 12 - (badges.length - i) * 34 + 34;
        node.append(el('rect', { x: bx - 30, y: 9, width: 30, height: 16, rx: 8, class: `badge badge-${badge}` }));
        node.append(el('text', { x: bx - 15, y: 21, class: 'badge-text', 'text-anchor': 'middle' }, badge));
      });
      const title = el('title');
      title.append(tooltip(r));
      node.append(title);
      node.addEventListener('click', () => this.onSelect(r.id));
      node.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          this.onSelect(r.id);
        }
      });
      node.addEventListener('mouseenter', () => this.highlight(r.id, true));
      node.addEventListener('mouseleave', () => this.highlight(r.id, false));
      nodes.append(node);
      this.nodes.set(r.id, node);
    }
    this.viewport.replaceChildren(defs, bands, edges, el('g', { class: 'cycles' }), nodes);
    // Texts are measured once drawn and shortened with an ellipsis to their room (the tooltip has them whole).
    for (const text of this.viewport.querySelectorAll<SVGTextElement>('text[data-room]'))
      fit(text, Number(text.dataset.room));
    this.select(this.selected);
  }

  /** A cycle's edges, drawn over the graph in the error colour: those the graph has are marked, the one that
   * closes the cycle (which the last valid graph cannot have) is drawn. */
  private drawCycles() {
    const layer = this.viewport.querySelector('.cycles');
    if (!layer) return;
    for (const edge of this.viewport.querySelectorAll('.edge.cycle')) edge.classList.remove('cycle');
    layer.replaceChildren();
    for (const cycle of this.cycles) {
      cycle.forEach((reader, i) => {
        const read = cycle[(i + 1) % cycle.length]!;
        // `reader` reads `read`: the edge runs from `read` (the dependency) to `reader`.
        const existing = this.viewport.querySelector(
          `.edge[data-from="${CSS.escape(read)}"][data-to="${CSS.escape(reader)}"]`,
        );
        if (existing) return existing.classList.add('cycle');
        const [a, b] = [this.centres.get(read), this.centres.get(reader)];
        if (!a || !b) return;
        const bend = 60;
        const d = `M${a.x},${a.y} C${a.x + bend},${a.y - bend} ${b.x + bend},${b.y + bend} ${b.x},${b.y}`;
        layer.append(
          el('path', {
            d,
            class: 'edge cycle added',
            'data-from': read,
            'data-to': reader,
            'marker-end': 'url(#arrow-cycle)',
          }),
        );
      });
    }
    for (const [id, node] of this.nodes)
      node.classList.toggle(
        'in-cycle',
        this.cycles.some((c) => c.includes(id)),
      );
  }

  /** Emphasises the edges into and out of a node while the pointer is on it. */
  private highlight(id: string, on: boolean) {
    for (const edge of this.viewport.querySelectorAll<SVGPathElement>('.edge')) {
      if (edge.dataset.from === id || edge.dataset.to === id) edge.classList.toggle('hot', on);
    }
  }
}

function tooltip(r: GraphResource): string {
  const lines = [`${r.id}: ${r.apiVersion} ${r.kind}`, `wave ${r.wave}`];
  if (r.dependsOn.length) lines.push(`depends on ${r.dependsOn.join(', ')}`);
  for (const w of r.includeWhen) lines.push(`includeWhen ${w}`);
  for (const w of r.readyWhen) lines.push(`readyWhen ${w}`);
  for (const f of r.forEach) lines.push(`forEach ${f.name}: ${f.expression}`);
  if (r.external) lines.push('external: read from the cluster, never created');
  return lines.join('\n');
}
