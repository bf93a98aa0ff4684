// The DAG as a layered SVG drawing (dagre lays it out). The layout is computed only when the graph's shape
// changes (nodes, kinds, edges, kinds of node), so typing elsewhere never moves a box; a step of the reconcile
// simulator only recolours the nodes.
import dagre from '@dagrejs/dagre';
import type { Graph, GraphResource, NodeState, Plan } from '@kro-rs/engine';

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

/** Each node's state in a plan, as the engine says it, with the reason it gives for a wait. */
export function statesOf(plan: Plan): Map<string, NodeStatus> {
  const reasons = new Map(plan.pending.map((p) => [p.id, p.reason.message]));
  return new Map(plan.nodes.map((n) => [n.id, { state: n.state, detail: reasons.get(n.id) ?? '' }]));
}

const NODE_WIDTH = 164;
const NODE_HEIGHT = 54;
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

export class GraphView {
  private readonly svg: SVGSVGElement;
  private key = '';
  private nodes = new Map<string, SVGGElement>();
  private selected: string | null = null;
  private graph: Graph | null = null;
  private states: Map<string, NodeStatus> | null = null;
  onSelect: (id: string) => void = () => {};

  constructor(private readonly host: HTMLElement) {
    this.svg = el('svg', { class: 'dag', role: 'group', 'aria-label': 'Resource graph' });
    host.append(this.svg);
    // Waves run left to right in a wide panel and top to bottom in a tall one (a phone); the layout changes
    // only when the panel's shape crosses over, never while typing.
    new ResizeObserver(() => {
      if (this.graph && this.key !== this.keyOf(this.graph)) this.show(this.graph);
    }).observe(host);
  }

  private horizontal(): boolean {
    return this.host.clientWidth > this.host.clientHeight * 1.3;
  }

  private keyOf(graph: Graph): string {
    return (this.horizontal() ? 'LR' : 'TB') + shapeKey(graph);
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
    this.key = key;
    this.layout(graph, key.startsWith('LR'));
    this.colour(this.states);
  }

  clear() {
    this.key = '';
    this.graph = null;
    this.nodes.clear();
    this.svg.replaceChildren();
  }

  /** Colours every node by its state at the simulator's step (null: no simulation, plain colours). */
  colour(states: Map<string, NodeStatus> | null) {
    this.states = states;
    for (const [id, node] of this.nodes) {
      const status = states?.get(id);
      node.dataset.state = status?.state ?? 'idle';
      const label = node.querySelector('.node-state');
      if (label) label.textContent = status && status.state !== 'idle' ? status.state : '';
      node.setAttribute(
        'aria-label',
        `${id}${status ? `: ${status.state}${status.detail ? `. ${status.detail}` : ''}` : ''}`,
      );
    }
  }

  select(id: string | null) {
    this.selected = id;
    for (const [nodeId, node] of this.nodes) node.classList.toggle('selected', nodeId === id);
  }

  private layout(graph: Graph, horizontal: boolean) {
    const g = new dagre.graphlib.Graph();
    // Room for the wave labels: above the columns (LR) or left of the rows (TB).
    const [offX, offY] = horizontal ? [0, 18] : [40, 0];
    g.setGraph({
      rankdir: horizontal ? 'LR' : 'TB',
      nodesep: horizontal ? 18 : 28,
      ranksep: horizontal ? 40 : 40,
      marginx: 12,
      marginy: 12,
    });
    g.setDefaultEdgeLabel(() => ({}));
    for (const r of graph.resources) g.setNode(r.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    const ids = new Set(graph.resources.map((r) => r.id));
    for (const r of graph.resources) for (const d of r.dependsOn) if (ids.has(d)) g.setEdge(d, r.id);
    dagre.layout(g);
    const { width = 0, height = 0 } = g.graph();

    const defs = el('defs');
    const marker = el('marker', {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }));
    defs.append(marker);

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
            el('text', { x: 6, y: b.start + 4, class: 'wave-label' }, `wave ${wave}`),
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
    for (const r of graph.resources) {
      const n = g.node(r.id);
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
    this.svg.setAttribute('viewBox', `0 0 ${width + offX} ${height + offY}`);
    this.svg.style.setProperty('--natural-width', `${width + offX}px`);
    this.svg.replaceChildren(defs, bands, edges, nodes);
    // Texts are measured once drawn and shortened with an ellipsis to their room (the tooltip has them whole).
    for (const text of this.svg.querySelectorAll<SVGTextElement>('text[data-room]'))
      fit(text, Number(text.dataset.room));
    this.select(this.selected);
  }

  /** Emphasises the edges into and out of a node while the pointer is on it. */
  private highlight(id: string, on: boolean) {
    for (const edge of this.svg.querySelectorAll<SVGPathElement>('.edge')) {
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
