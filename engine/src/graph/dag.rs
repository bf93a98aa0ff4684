//! The dependency graph of an RGD's resources: topological order (ties broken by declaration order, as kro's
//! min-heap Kahn does), cycle reporting that names every member in order, and kro's apply-order waves.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Resources are vertices `0..n` in declaration order; an edge `(a, b)` means "a depends on b".
#[derive(Debug, Clone)]
pub(crate) struct Dag {
    graph: DiGraph<(), ()>,
}

/// A cycle, as the declaration indices of its members in dependency order, starting from the earliest declared
/// (`[a, b, c]` reads "a depends on b depends on c depends on a").
pub(crate) type Cycle = Vec<usize>;

impl Dag {
    pub(crate) fn new(vertices: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let mut graph = DiGraph::with_capacity(vertices, 0);
        for _ in 0..vertices {
            graph.add_node(());
        }
        for (from, to) in edges {
            if from != to
                && from < vertices
                && to < vertices
                && graph.find_edge(NodeIndex::new(from), NodeIndex::new(to)).is_none()
            {
                graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
            }
        }
        Self { graph }
    }

    /// Every cycle (one per strongly connected component with more than one member), earliest declared first.
    pub(crate) fn cycles(&self) -> Vec<Cycle> {
        let mut cycles: Vec<Cycle> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1)
            .map(|scc| {
                let members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
                self.cycle_through(&members)
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// A simple cycle inside one strongly connected component, starting at its earliest declared member and
    /// always stepping to the earliest declared dependency that leads back (breadth-first, so the cycle named is
    /// a shortest one).
    fn cycle_through(&self, members: &[usize]) -> Cycle {
        let start = members.iter().copied().min().unwrap_or(0);
        let n = self.graph.node_count();
        let mut parent = vec![usize::MAX; n];
        let mut queue = std::collections::VecDeque::from([start]);
        let mut seen = vec![false; n];
        seen[start] = true;
        while let Some(v) = queue.pop_front() {
            for w in self.sorted_deps(v) {
                if !members.contains(&w) {
                    continue;
                }
                if w == start {
                    let mut path = vec![v];
                    let mut at = v;
                    while at != start {
                        at = parent[at];
                        path.push(at);
                    }
                    path.reverse();
                    return path;
                }
                if !seen[w] {
                    seen[w] = true;
                    parent[w] = v;
                    queue.push_back(w);
                }
            }
        }
        let mut sorted = members.to_vec();
        sorted.sort_unstable();
        sorted
    }

    /// The resources `v` depends on, in declaration order.
    pub(crate) fn sorted_deps(&self, v: usize) -> Vec<usize> {
        let mut deps: Vec<usize> =
            self.graph.neighbors_directed(NodeIndex::new(v), Direction::Outgoing).map(NodeIndex::index).collect();
        deps.sort_unstable();
        deps
    }

    /// Kahn's algorithm with a min-heap on declaration index: a resource comes as soon as everything it depends
    /// on has come, and among ready ones the earliest declared goes first. `None` if there is a cycle.
    pub(crate) fn topological_order(&self) -> Option<Vec<usize>> {
        let order = self.kahn();
        (order.len() == self.graph.node_count()).then_some(order)
    }

    /// The topological order of everything that does not wait on a cycle, then the members of cycles and what
    /// depends on them, in declaration order: an order for work that can go ahead despite cycles.
    pub(crate) fn order_with_cycles_last(&self) -> Vec<usize> {
        let mut order = self.kahn();
        let mut placed = vec![false; self.graph.node_count()];
        for &v in &order {
            placed[v] = true;
        }
        order.extend((0..placed.len()).filter(|&v| !placed[v]));
        order
    }

    /// Kahn's algorithm as far as it gets: it stops short of the vertices on or behind a cycle.
    fn kahn(&self) -> Vec<usize> {
        let n = self.graph.node_count();
        let mut pending: Vec<usize> = (0..n).map(|v| self.sorted_deps(v).len()).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = (0..n).filter(|v| pending[*v] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(v)) = ready.pop() {
            order.push(v);
            for dependent in self.graph.neighbors_directed(NodeIndex::new(v), Direction::Incoming) {
                let d = dependent.index();
                pending[d] -= 1;
                if pending[d] == 0 {
                    ready.push(Reverse(d));
                }
            }
        }
        order
    }

    /// kro's apply-order waves: peel the graph from the side of the resources nothing depends on (layer 0), and
    /// give layer `i` of `L` the wave `L - i`. Resources everything else waits on get wave 1; deletion goes from
    /// the highest wave down. Call only on an acyclic graph.
    pub(crate) fn waves(&self, order: &[usize]) -> Vec<usize> {
        let n = self.graph.node_count();
        let mut height = vec![0usize; n];
        // Reverse topological order visits dependents before the resources they depend on.
        for &v in order.iter().rev() {
            height[v] = self
                .graph
                .neighbors_directed(NodeIndex::new(v), Direction::Incoming)
                .map(|d| height[d.index()] + 1)
                .max()
                .unwrap_or(0);
        }
        let layers = height.iter().copied().max().map_or(0, |h| h + 1);
        height.iter().map(|h| layers - h).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_follow_declaration_order() {
        // 0 depends on 2; 1 and 2 are free.
        let dag = Dag::new(3, [(0, 2)]);
        assert_eq!(dag.topological_order(), Some(vec![1, 2, 0]));
    }

    #[test]
    fn waves_count_from_the_resources_nothing_depends_on() {
        // 1 depends on 0, 2 depends on 1; 3 stands alone.
        let dag = Dag::new(4, [(1, 0), (2, 1)]);
        let order = dag.topological_order().unwrap();
        assert_eq!(dag.waves(&order), vec![1, 2, 3, 3]);
    }

    #[test]
    fn a_cycle_names_every_member_in_dependency_order() {
        // 0 -> 1 -> 2 -> 0, plus 3 -> 0 outside the cycle.
        let dag = Dag::new(4, [(0, 1), (1, 2), (2, 0), (3, 0)]);
        assert_eq!(dag.topological_order(), None);
        assert_eq!(dag.cycles(), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn work_around_a_cycle_goes_first_and_the_cycle_and_what_waits_on_it_last() {
        // 1 <-> 3 is a cycle, 0 depends on 3; 2 depends on 4; 4 is free.
        let dag = Dag::new(5, [(1, 3), (3, 1), (0, 3), (2, 4)]);
        assert_eq!(dag.order_with_cycles_last(), vec![4, 2, 0, 1, 3]);
        let acyclic = Dag::new(3, [(0, 2)]);
        assert_eq!(Some(acyclic.order_with_cycles_last()), acyclic.topological_order());
    }

    #[test]
    fn independent_cycles_are_all_reported() {
        let dag = Dag::new(4, [(0, 1), (1, 0), (2, 3), (3, 2)]);
        assert_eq!(dag.cycles(), vec![vec![0, 1], vec![2, 3]]);
    }
}
