//! Pass 3: bind every step input to a producer, rank each handoff, insert adapter steps, and check the
//! graph: duplicates, dangling references, unknown run inputs, incompatible kinds, required inputs bound to
//! optional producers, cycles, unreachable outputs, clashing artifact names. Fails closed.

use crate::codes;
use crate::graph::{self, Graph};
use crate::normalize::{Normalized, DEFAULT_MAX_RETRIES};
use crate::ptr;
use crate::resolve::kind_known;
use crate::suggest;
use std::collections::{BTreeMap, BTreeSet};
use writ_catalog::Catalog;
use writ_diag::Diagnostic;
use writ_plan::{
    BindRank, Binding, InputSpec, OutputDecl, ResolvedProgram, StepCandidate, StepKind,
};

/// Where an input's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Producer {
    Run(String),
    Step { node: usize, output: usize },
}

#[derive(Debug, Clone)]
pub struct BoundInput {
    pub slot: String,
    pub binding: String,
    pub producer: Producer,
    /// Kind the original producer makes.
    pub kind: String,
    pub expects: Option<String>,
    pub rank: BindRank,
    pub required: bool,
}

impl BoundInput {
    /// The kind the step receives.
    pub fn received_kind(&self) -> &str {
        self.expects.as_deref().unwrap_or(&self.kind)
    }
}

#[derive(Debug, Clone)]
pub enum Origin {
    /// The candidate's step at this index.
    Candidate(usize),
    /// Inserted by the compiler: this catalog adapter.
    Adapter {
        adapter: String,
        program: Option<ResolvedProgram>,
    },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub step: StepCandidate,
    pub origin: Origin,
    /// Tie-break among ready steps: (candidate index, adapters before their consumer, sequence).
    pub key: (usize, u8, usize),
    pub inputs: Vec<BoundInput>,
}

#[derive(Debug, Clone)]
pub struct Bound {
    pub nodes: Vec<Node>,
    /// Topological order of nodes (empty when the graph has a cycle).
    pub order: Vec<usize>,
}

struct Binder<'a> {
    n: &'a Normalized,
    catalog: &'a Catalog,
    diags: Vec<Diagnostic>,
    nodes: Vec<Node>,
    /// (producer node, output, adapter id) → adapter node.
    adapters: BTreeMap<(usize, usize, String), usize>,
    taken_ids: BTreeSet<String>,
    /// For cycle messages: (consumer node, producer node) → pointer of the binding.
    edge_pointers: BTreeMap<(usize, usize), String>,
}

pub fn bind(n: &Normalized, catalog: &Catalog) -> (Bound, Vec<Diagnostic>) {
    let c = &n.candidate;
    let mut b = Binder {
        n,
        catalog,
        diags: Vec::new(),
        nodes: c
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| Node {
                step: s.clone(),
                origin: Origin::Candidate(i),
                key: (i, 1, 0),
                inputs: Vec::new(),
            })
            .collect(),
        adapters: BTreeMap::new(),
        taken_ids: c.steps.iter().map(|s| s.id.clone()).collect(),
        edge_pointers: BTreeMap::new(),
    };

    let run_inputs = b.run_inputs();
    let steps = b.step_index();
    let slots: Vec<BTreeMap<&str, usize>> = c
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| b.output_slots(i, s))
        .collect();

    let mut consumed: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut read_inputs: BTreeSet<String> = BTreeSet::new();
    for (i, step) in c.steps.iter().enumerate() {
        let mut bound = Vec::new();
        for (slot, spec) in &step.inputs {
            let Ok(binding) = Binding::parse(spec.from_text()) else {
                continue;
            };
            let at = ptr::input_from(i, slot, matches!(spec, InputSpec::Detailed(_)));
            let found = match &binding {
                Binding::Run { input } => {
                    read_inputs.insert(input.clone());
                    b.run_producer(input, &run_inputs, &at)
                }
                Binding::Step {
                    step: from,
                    slot: out,
                } => {
                    let found = b.step_producer(from, out, &steps, &slots, &at);
                    if let Some((Producer::Step { node, output }, ..)) = &found {
                        consumed.insert((*node, *output));
                        b.edge_pointers
                            .entry((i, *node))
                            .or_insert_with(|| at.clone());
                    }
                    found
                }
            };
            let Some((producer, kind, producer_required, producer_pointer)) = found else {
                continue;
            };
            if let Some(input) =
                b.rank(i, slot, spec, &at, producer, kind, producer_pointer.clone())
            {
                if input.required && !producer_required {
                    b.diags.push(
                        Diagnostic::error(
                            codes::REQUIRED_FROM_OPTIONAL,
                            format!("required input `{slot}` of step `{}` is bound to `{}`, which may be absent", step.id, input.binding),
                        )
                        .at(at.clone())
                        .with_primary_label("required here")
                        .with_label(producer_pointer, "declared optional here")
                        .with_help("make the producer required, or mark this input `\"required\": false`: a step does not start with a required input missing"),
                    );
                }
                bound.push(input);
            }
        }
        if let Some(node) = b.nodes.get_mut(i) {
            node.inputs = bound;
        }
    }

    b.unused_run_inputs(&read_inputs);
    b.unreachable_outputs(&consumed);
    b.artifact_names();
    let order = b.order();
    (
        Bound {
            nodes: b.nodes,
            order,
        },
        b.diags,
    )
}

impl<'a> Binder<'a> {
    /// Run input name → (index, kind, required); duplicates reported.
    fn run_inputs(&mut self) -> BTreeMap<&'a str, (usize, &'a str, bool)> {
        let mut map: BTreeMap<&str, (usize, &str, bool)> = BTreeMap::new();
        for (j, input) in self.n.candidate.inputs.iter().enumerate() {
            if let Some((first, ..)) = map.get(input.name.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_RUN_INPUT,
                        format!("run input `{}` is declared twice", input.name),
                    )
                    .at(format!("/inputs/{j}/name"))
                    .with_primary_label("declared again here")
                    .with_label(format!("/inputs/{first}/name"), "first declared here")
                    .with_help("give each run input its own name"),
                );
            } else {
                map.insert(&input.name, (j, &input.kind, input.required));
            }
        }
        map
    }

    fn step_index(&mut self) -> BTreeMap<&'a str, usize> {
        let mut map = BTreeMap::new();
        for (i, step) in self.n.candidate.steps.iter().enumerate() {
            if let Some(first) = map.get(step.id.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_STEP,
                        format!("step id `{}` is used twice", step.id),
                    )
                    .at(format!("{}/id", ptr::step(i)))
                    .with_primary_label("used again here")
                    .with_label(format!("{}/id", ptr::step(*first)), "first used here")
                    .with_help("step ids name steps in bindings, so each must be unique"),
                );
            } else {
                map.insert(step.id.as_str(), i);
            }
        }
        map
    }

    fn output_slots(&mut self, i: usize, step: &'a StepCandidate) -> BTreeMap<&'a str, usize> {
        let mut map = BTreeMap::new();
        for (k, out) in step.outputs.iter().enumerate() {
            if let Some(first) = map.get(out.slot.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_OUTPUT_SLOT,
                        format!("step `{}` declares output `{}` twice", step.id, out.slot),
                    )
                    .at(format!("{}/slot", ptr::output(i, k)))
                    .with_primary_label("declared again here")
                    .with_label(
                        format!("{}/slot", ptr::output(i, *first)),
                        "first declared here",
                    )
                    .with_help("an output slot names one artifact; rename one of them"),
                );
            } else {
                map.insert(out.slot.as_str(), k);
            }
        }
        map
    }

    fn run_producer(
        &mut self,
        input: &str,
        run_inputs: &BTreeMap<&'a str, (usize, &'a str, bool)>,
        at: &str,
    ) -> Option<(Producer, &'a str, bool, String)> {
        match run_inputs.get(input) {
            Some(&(j, kind, required)) => Some((
                Producer::Run(input.to_string()),
                kind,
                required,
                format!("/inputs/{j}"),
            )),
            None => {
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_RUN_INPUT,
                    format!("`run.{input}` names no run input"),
                )
                .at(at)
                .with_primary_label("not declared in `inputs`");
                d = match suggest::closest(input, run_inputs.keys().copied()) {
                    Some(name) => d.with_help(format!("did you mean `run.{name}`?")),
                    None => d.with_help(format!(
                        "declare it: `\"inputs\": [{{\"name\": \"{input}\", \"kind\": \"...\"}}]`"
                    )),
                };
                self.diags.push(d);
                None
            }
        }
    }

    fn step_producer(
        &mut self,
        from: &str,
        out: &str,
        steps: &BTreeMap<&'a str, usize>,
        slots: &[BTreeMap<&'a str, usize>],
        at: &str,
    ) -> Option<(Producer, &'a str, bool, String)> {
        let Some(&j) = steps.get(from) else {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_STEP,
                format!("`{from}.{out}` refers to step `{from}`, which the plan does not have"),
            )
            .at(at)
            .with_primary_label("no such step");
            if let Some(name) = suggest::closest(from, steps.keys().copied()) {
                d = d.with_help(format!("did you mean `{name}.{out}`?"));
            }
            self.diags.push(d);
            return None;
        };
        let step = self.n.candidate.steps.get(j)?;
        let Some(&k) = slots.get(j).and_then(|s| s.get(out)) else {
            let known: Vec<&str> = step.outputs.iter().map(|o| o.slot.as_str()).collect();
            let mut d = Diagnostic::error(
                codes::UNKNOWN_OUTPUT_SLOT,
                format!("step `{from}` has no output `{out}`"),
            )
            .at(at)
            .with_primary_label("no such output")
            .with_label(
                format!("{}/outputs", ptr::step(j)),
                format!("the outputs of `{from}`"),
            );
            if let Some(help) = suggest::help(out, known.iter().copied()) {
                d = d.with_help(help);
            }
            self.diags.push(d);
            return None;
        };
        let decl = step.outputs.get(k)?;
        Some((
            Producer::Step { node: j, output: k },
            decl.kind.as_str(),
            decl.required,
            ptr::output(j, k),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn rank(
        &mut self,
        i: usize,
        slot: &str,
        spec: &InputSpec,
        at: &str,
        producer: Producer,
        kind: &str,
        producer_pointer: String,
    ) -> Option<BoundInput> {
        let expects = spec.expected_kind().map(str::to_string);
        let known = |k: &str| kind_known(self.catalog, k);
        let rank = match &expects {
            // Unknown kinds were reported by pass 2; ranking them would only repeat it.
            Some(e) if known(e) && known(kind) => self.catalog.bind_rank(kind, e),
            _ => BindRank::Exact,
        };
        let mut input = BoundInput {
            slot: slot.to_string(),
            binding: spec.from_text().to_string(),
            producer,
            kind: kind.to_string(),
            expects: expects.clone(),
            rank: rank.clone(),
            required: spec.required(),
        };
        match rank {
            BindRank::Incompatible => {
                let e = expects.unwrap_or_default();
                self.diags.push(
                    Diagnostic::error(codes::INCOMPATIBLE_KINDS, format!("input `{slot}` expects `{e}` but `{}` makes `{kind}`", input.binding))
                        .at(format!("{}/kind", ptr::input(i, slot)))
                        .with_primary_label(format!("expects `{e}`"))
                        .with_label(format!("{producer_pointer}/kind"), format!("makes `{kind}`"))
                        .with_help(format!("no adapter in the catalog converts `{kind}` to `{e}`; produce `{e}` upstream, or expect a kind `{kind}` is acceptable for"))
                        .with_note(format!("bound at {at}")),
                );
                None
            }
            BindRank::Adapter(adapter) => {
                let Producer::Step { node, output } = input.producer.clone() else {
                    // A run input needing conversion gets an adapter step too, keyed by the run input.
                    let node = self.adapter_for_run(i, &input, &adapter);
                    input.producer = Producer::Step { node, output: 0 };
                    return Some(input);
                };
                let node = self.adapter_node(i, node, output, &input, &adapter);
                input.producer = Producer::Step { node, output: 0 };
                Some(input)
            }
            _ => Some(input),
        }
    }

    fn adapter_for_run(&mut self, consumer: usize, input: &BoundInput, adapter: &str) -> usize {
        // Run inputs have no node; key them past every real node so they never collide.
        let Producer::Run(name) = &input.producer else {
            return 0;
        };
        let pseudo = usize::MAX
            - self
                .n
                .candidate
                .inputs
                .iter()
                .position(|r| &r.name == name)
                .unwrap_or(0);
        self.insert_adapter(
            consumer,
            (pseudo, 0, adapter.to_string()),
            input,
            adapter,
            format!("run_{name}"),
        )
    }

    fn adapter_node(
        &mut self,
        consumer: usize,
        producer: usize,
        output: usize,
        input: &BoundInput,
        adapter: &str,
    ) -> usize {
        let base = input.binding.replace('.', "_");
        self.insert_adapter(
            consumer,
            (producer, output, adapter.to_string()),
            input,
            adapter,
            base,
        )
    }

    fn insert_adapter(
        &mut self,
        consumer: usize,
        key: (usize, usize, String),
        input: &BoundInput,
        adapter: &str,
        base: String,
    ) -> usize {
        if let Some(&node) = self.adapters.get(&key) {
            return node;
        }
        let to = input.expects.clone().unwrap_or_default();
        let mut slug = format!("adapt_{base}_to_{}", to.replace('.', "_"));
        let mut n = 2;
        while self.taken_ids.contains(&slug) {
            slug = format!("adapt_{base}_to_{}_{n}", to.replace('.', "_"));
            n += 1;
        }
        self.taken_ids.insert(slug.clone());
        let description = self
            .catalog
            .adapter(adapter)
            .map(|a| a.description.clone())
            .unwrap_or_default();
        // Adapter programs live at `adapters/<id without the prefix>` in the catalog, when shipped.
        let program_id = format!(
            "adapters/{}",
            adapter.strip_prefix("adapter.").unwrap_or(adapter)
        );
        let program = self.catalog.program(&program_id).map(|p| ResolvedProgram {
            id: program_id.clone(),
            hash: p.hash,
        });
        let producer_required = true;
        let step = StepCandidate {
            id: slug,
            intent: if description.is_empty() {
                format!("Convert `{}` to `{to}`.", input.kind)
            } else {
                description
            },
            kind: StepKind::Code,
            inputs: [(
                "input".to_string(),
                InputSpec::Binding(input.binding.clone()),
            )]
            .into_iter()
            .collect(),
            outputs: vec![OutputDecl {
                slot: "output".into(),
                kind: to,
                schema: None,
                required: producer_required,
                publish: false,
                name: None,
            }],
            skills: vec![],
            tools: vec![],
            program: program.as_ref().map(|p| p.id.clone()),
            code: None,
            rubric: vec![],
            validators: vec![],
            gate: None,
            fan_out: None,
            budget: Default::default(),
            timeout_seconds: None,
            max_retries: Some(DEFAULT_MAX_RETRIES),
        };
        let own_input = BoundInput {
            slot: "input".into(),
            binding: input.binding.clone(),
            producer: input.producer.clone(),
            kind: input.kind.clone(),
            expects: None,
            rank: BindRank::Exact,
            required: input.required,
        };
        let node = self.nodes.len();
        let sequence = self.adapters.len();
        if let Producer::Step { node: p, .. } = &input.producer {
            if let Some(at) = self.edge_pointers.get(&(consumer, *p)).cloned() {
                self.edge_pointers.insert((node, *p), at.clone());
                self.edge_pointers.insert((consumer, node), at);
            }
        }
        self.nodes.push(Node {
            step,
            origin: Origin::Adapter {
                adapter: adapter.to_string(),
                program,
            },
            key: (consumer, 0, sequence),
            inputs: vec![own_input],
        });
        self.adapters.insert(key, node);
        node
    }

    fn unused_run_inputs(&mut self, read: &BTreeSet<String>) {
        for (j, input) in self.n.candidate.inputs.iter().enumerate() {
            if !read.contains(&input.name) {
                self.diags.push(
                    Diagnostic::warning(
                        codes::UNUSED_RUN_INPUT,
                        format!("run input `{}` is never read", input.name),
                    )
                    .at(format!("/inputs/{j}"))
                    .with_primary_label("no step binds `run.".to_string() + &input.name + "`")
                    .with_help("bind it from a step, or remove it so the run does not ask for it"),
                );
            }
        }
    }

    fn unreachable_outputs(&mut self, consumed: &BTreeSet<(usize, usize)>) {
        for (i, step) in self.n.candidate.steps.iter().enumerate() {
            let used = step
                .outputs
                .iter()
                .enumerate()
                .any(|(k, o)| o.publish || consumed.contains(&(i, k)));
            if !used {
                self.diags.push(
                    Diagnostic::warning(codes::UNREACHABLE_OUTPUTS, format!("nothing reads or publishes the outputs of step `{}`", step.id))
                        .at(format!("{}/outputs", ptr::step(i)))
                        .with_primary_label("never consumed, never published")
                        .with_help("publish an output (`\"publish\": true` with a `name`), bind it from a later step, or remove the step"),
                );
            }
        }
    }

    fn artifact_names(&mut self) {
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        for (i, step) in self.n.candidate.steps.iter().enumerate() {
            for (k, out) in step.outputs.iter().enumerate() {
                let (true, Some(name)) = (out.publish, &out.name) else {
                    continue;
                };
                let here = format!("{}/name", ptr::output(i, k));
                if let Some(first) = names.get(name.as_str()) {
                    self.diags.push(
                        Diagnostic::error(
                            codes::DUPLICATE_ARTIFACT_NAME,
                            format!("two outputs are published as `{name}`"),
                        )
                        .at(here)
                        .with_primary_label("published again here")
                        .with_label(first.clone(), "first published here")
                        .with_help(
                            "published names identify the run's artifacts; give each its own",
                        ),
                    );
                } else {
                    names.insert(name, here);
                }
            }
        }
    }

    fn order(&mut self) -> Vec<usize> {
        let deps: Vec<Vec<usize>> = self
            .nodes
            .iter()
            .map(|node| {
                node.inputs
                    .iter()
                    .filter_map(|input| match input.producer {
                        Producer::Step { node, .. } => Some(node),
                        Producer::Run(_) => None,
                    })
                    .collect()
            })
            .collect();
        let keys: Vec<(usize, u8, usize)> = self.nodes.iter().map(|n| n.key).collect();
        let g = Graph {
            deps: &deps,
            keys: &keys,
        };
        match graph::topo_order(&g) {
            Ok(order) => order,
            Err(left) => {
                for cycle in graph::cycles(&g, &left) {
                    self.report_cycle(&cycle);
                }
                Vec::new()
            }
        }
    }

    fn report_cycle(&mut self, cycle: &[usize]) {
        let name = |node: usize| {
            self.nodes
                .get(node)
                .map(|n| n.step.id.clone())
                .unwrap_or_default()
        };
        let mut names: Vec<String> = cycle.iter().map(|&n| name(n)).collect();
        if let Some(first) = names.first().cloned() {
            names.push(first);
        }
        // Candidate steps only: adapters are the compiler's and have no place in the source.
        let edges: Vec<(usize, usize)> = cycle
            .iter()
            .enumerate()
            .map(|(i, &node)| {
                (
                    node,
                    cycle.get(i + 1).or(cycle.first()).copied().unwrap_or(node),
                )
            })
            .collect();
        let pointers: Vec<(String, String)> = edges
            .iter()
            .filter_map(|&(from, to)| {
                self.edge_pointers.get(&(from, to)).map(|p| {
                    (
                        p.clone(),
                        format!("`{}` reads from `{}`", name(from), name(to)),
                    )
                })
            })
            .collect();
        let chain = names.join(" → ");
        let mut d = Diagnostic::error(
            codes::CYCLE,
            format!("steps depend on each other in a cycle: {chain}"),
        );
        let mut pointers = pointers.into_iter();
        if let Some((pointer, message)) = pointers.next() {
            d = d.at(pointer).with_primary_label(message);
        }
        for (pointer, message) in pointers {
            d = d.with_label(pointer, message);
        }
        self.diags.push(d.with_help(
            "a step can only read outputs of steps that finish before it starts; break the cycle",
        ));
    }
}
