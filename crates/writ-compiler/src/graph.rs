//! The step graph: a stable topological order (ties broken by a per-node key: the candidate's order) and,
//! when there is none, the cycles that prevent it. Linear in nodes and edges (plus the heap's log factor).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// `deps[n]`: the nodes `n` reads from (may repeat). `keys[n]`: tie-break order among ready nodes.
pub struct Graph<'a> {
    pub deps: &'a [Vec<usize>],
    pub keys: &'a [(usize, u8, usize)],
}

/// The topological order, or the nodes left over (each on or downstream of a cycle).
pub fn topo_order(g: &Graph<'_>) -> Result<Vec<usize>, Vec<bool>> {
    let n = g.deps.len();
    let mut indegree = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (node, deps) in g.deps.iter().enumerate() {
        for &d in deps {
            if d < n {
                indegree[node] += 1;
                dependents[d].push(node);
            }
        }
    }
    let key = |node: usize| {
        g.keys
            .get(node)
            .copied()
            .unwrap_or((usize::MAX, u8::MAX, node))
    };
    let mut ready: BinaryHeap<Reverse<((usize, u8, usize), usize)>> = (0..n)
        .filter(|&node| indegree[node] == 0)
        .map(|node| Reverse((key(node), node)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, node))) = ready.pop() {
        order.push(node);
        for &next in &dependents[node] {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.push(Reverse((key(next), next)));
            }
        }
    }
    if order.len() == n {
        Ok(order)
    } else {
        Err(indegree.iter().map(|&d| d > 0).collect())
    }
}

/// Distinct cycles among the left-over nodes, each as the nodes in dependency order (`a` reads `b` reads
/// … reads `a`), starting from its smallest node. Every left-over node has a left-over dependency, so a walk
/// along them must close a loop.
pub fn cycles(g: &Graph<'_>, left: &[bool]) -> Vec<Vec<usize>> {
    let n = g.deps.len();
    // 0: unseen, w + 1: seen by walk w.
    let mut walk_of = vec![0usize; n];
    let mut found = Vec::new();
    for start in 0..n {
        if !left.get(start).copied().unwrap_or(false) || walk_of[start] != 0 {
            continue;
        }
        let walk = start + 1;
        let mut path = Vec::new();
        let mut node = start;
        loop {
            if walk_of[node] == walk {
                let from = path.iter().position(|&p| p == node).unwrap_or(0);
                let mut cycle: Vec<usize> =
                    path.get(from..).map(<[usize]>::to_vec).unwrap_or_default();
                if let Some(min_at) = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, &v)| v)
                    .map(|(i, _)| i)
                {
                    cycle.rotate_left(min_at);
                }
                found.push(cycle);
                break;
            }
            if walk_of[node] != 0 {
                break; // joined an earlier walk: its cycle is already reported
            }
            walk_of[node] = walk;
            path.push(node);
            let next = g.deps.get(node).and_then(|deps| {
                deps.iter()
                    .copied()
                    .filter(|&d| left.get(d).copied().unwrap_or(false))
                    .min()
            });
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<(usize, u8, usize)> {
        (0..n).map(|i| (i, 1, 0)).collect()
    }

    #[test]
    fn ties_follow_the_keys() {
        let deps = vec![vec![2], vec![], vec![]];
        let k = keys(3);
        assert_eq!(
            topo_order(&Graph {
                deps: &deps,
                keys: &k
            }),
            Ok(vec![1, 2, 0])
        );
    }

    #[test]
    fn cycles_are_named_once() {
        // 0 → 1 → 2 → 0, 3 → 0 (downstream), 4 ↔ 4.
        let deps = vec![vec![1], vec![2], vec![0], vec![0], vec![4]];
        let k = keys(5);
        let g = Graph {
            deps: &deps,
            keys: &k,
        };
        let left = topo_order(&g).err().unwrap_or_default();
        assert_eq!(cycles(&g, &left), vec![vec![0, 1, 2], vec![4]]);
    }
}
