//! The command line as clap reads it: commands, their flags and the value types of those flags.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kro_engine::Features;

#[derive(Debug, Parser)]
#[command(
    name = "kro",
    version,
    about = "kro-rs: group Kubernetes resources into new, typed APIs with ResourceGraphDefinitions",
    long_about = "kro-rs: group Kubernetes resources into new, typed APIs with ResourceGraphDefinitions.\n\n\
        The offline commands read RGD files (`-` is standard input; a file may hold several YAML documents) \
        and need no cluster.\n\nExit codes: 0 success, 1 invalid input, 2 usage or I/O error.",
    after_help = "Examples:\n  kro validate examples/webapp/rgd.yaml\n  kro graph examples/webapp/rgd.yaml --output mermaid\n  kro crd examples/webapp/rgd.yaml | kubectl apply -f -\n  kro render examples/webapp/rgd.yaml --instance examples/webapp/instance.yaml --simulate"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check RGDs and report every problem with its file, line, column and a code frame.
    #[command(
        after_help = "Diagnostics go to standard output. Every code is described in docs/diagnostics.md.\n\nExamples:\n  kro validate rgd.yaml\n  kro validate rgds/*.yaml --crd crds/ --output json"
    )]
    Validate {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ValidateFormat::Text)]
        output: ValidateFormat,
    },
    /// Print the CustomResourceDefinition each RGD generates, as YAML.
    #[command(
        after_help = "Nothing is printed on standard output unless every RGD is valid, so the output can be piped to kubectl.\n\nExample:\n  kro crd rgd.yaml | kubectl apply -f -"
    )]
    Crd {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Print the resource dependency graph: topological order, dependencies and apply waves.
    #[command(
        after_help = "JSON holds `topologicalOrder` and `resources` (id, apiVersion, kind, dependsOn, wave, includeWhen, readyWhen, forEach, external); a file with several RGDs gives a JSON array.\n\nExamples:\n  kro graph rgd.yaml\n  kro graph rgd.yaml -o dot | dot -Tsvg > graph.svg"
    )]
    Graph {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = GraphFormat::Json)]
        output: GraphFormat,
    },
    /// Show what kro-rs would apply now for an instance, in apply order, or simulate its reconcile.
    #[command(
        after_help = "The instance is validated and defaulted against the generated CRD first. Objects observed in the cluster (with their status) come from --observed, a multi-document YAML; without it nothing exists yet.\n\nWith --simulate, every applied object is taken as created (with the status of the same object in --observed, if any) and the plan is made again, until the instance is ACTIVE (exit 0) or stuck (exit 1).\n\nJSON holds resources, pending (id, reason {code, message}), excluded, prune, instance (metadata patch), status and requeueAfterSeconds.\n\nExamples:\n  kro render rgd.yaml --instance instance.yaml\n  kro render rgd.yaml --instance instance.yaml --observed cluster.yaml -o json\n  kro render rgd.yaml --instance instance.yaml --simulate"
    )]
    Render {
        /// The RGD file (one RGD); `-` reads standard input.
        #[arg(value_name = "RGD")]
        rgd: PathBuf,
        /// The instance to render.
        #[arg(long, value_name = "FILE")]
        instance: PathBuf,
        /// Objects as the cluster has them, with their status (multi-document YAML).
        #[arg(long, value_name = "FILE")]
        observed: Option<PathBuf>,
        /// The time to plan at (RFC 3339), for condition transition times.
        #[arg(long, value_name = "RFC3339", default_value = kro_engine::DEFAULT_NOW, value_parser = parse_time)]
        now: DateTime<Utc>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = RenderFormat::Yaml)]
        output: RenderFormat,
        /// Simulate the reconcile step by step until the instance is ACTIVE or stuck.
        #[arg(long)]
        simulate: bool,
        /// A CRD file, or a folder of them, defining custom kinds the resources use (repeatable).
        #[arg(long = "crd", value_name = "PATH")]
        crds: Vec<PathBuf>,
        /// kro's alpha features, e.g. `CELOmitFunction=true`.
        #[arg(long, value_name = "GATE=BOOL,...", value_parser = parse_feature_gates, default_value = "", hide_default_value = true)]
        feature_gates: Features,
    },
    /// Print the JSON Schema of a ResourceGraphDefinition document, for editors.
    #[command(
        after_help = "Use it with yaml-language-server:\n  kro schema > rgd.schema.json\n  # then in the RGD file: # yaml-language-server: $schema=./rgd.schema.json"
    )]
    Schema,
    /// Run the language server over standard input and output, for editors.
    #[command(
        after_help = "Speaks the Language Server Protocol on standard input and output (logs on standard error): diagnostics, completion, hover, definition, symbols, semantic tokens and quick fixes for ResourceGraphDefinition files. Editors start it as `kro lsp`; see the README for VS Code, Neovim, Helix and Zed."
    )]
    Lsp {
        /// Accepted for clients that pass it (stdio is the only transport).
        #[arg(long)]
        stdio: bool,
    },
    /// Run the operator: reconcile `ResourceGraphDefinitions` and their instances on a cluster.
    #[command(
        after_help = "The kubeconfig is found as kubectl finds it: --kubeconfig, else KUBECONFIG, else ~/.kube/config, else the in-cluster service account.\n\nWith --leader-elect, replicas share the Lease --leader-election-id; only its holder reconciles, and a replica that loses it stops at once and exits 1.\n\nThe ResourceGraphDefinition and GraphRevision CRDs (deploy/crds/) are installed or upgraded at start unless --skip-crd-install. Every RGD spec change is a GraphRevision (kubectl get gr); the newest --rgd-max-graph-revisions are kept. SIGTERM drains in-flight reconciles and exits 0.\n\nExamples:\n  kro operator\n  kro operator --kubeconfig ~/.kube/config --metrics-bind-address 127.0.0.1:8078 --log-format json"
    )]
    Operator(OperatorArgs),
}

#[derive(Debug, Args)]
pub struct OperatorArgs {
    /// The kubeconfig file to use.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Only reconcile instances in this namespace (all namespaces by default).
    #[arg(long, short, value_name = "NS")]
    pub namespace: Option<String>,
    /// Instance reconciles running at once, per instance kind (they mostly wait on the API server).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: u16,
    /// Requests per second to the API server, on average (the API server's priority and fairness protects it
    /// beyond that; see docs/decisions/0018).
    #[arg(long, value_name = "Q", default_value_t = 200.0)]
    pub client_qps: f32,
    /// Requests that may go at once before the rate applies.
    #[arg(long, value_name = "B", default_value_t = 400)]
    pub client_burst: u32,
    /// Where Prometheus metrics are served (`/metrics`); `0` turns them off.
    #[arg(long, value_name = "ADDR", default_value = ":8078")]
    pub metrics_bind_address: String,
    /// Where `/healthz` and `/readyz` are served; `0` turns them off.
    #[arg(long, value_name = "ADDR", default_value = ":8079")]
    pub health_probe_bind_address: String,
    /// Log line format.
    #[arg(long, value_enum, default_value_t = crate::operator::LogFormat::Text)]
    pub log_format: crate::operator::LogFormat,
    /// kro's alpha features, e.g. `CELOmitFunction=true`.
    #[arg(long, value_name = "GATE=BOOL,...", value_parser = parse_feature_gates, default_value = "", hide_default_value = true)]
    pub feature_gates: Features,
    /// Delete an RGD's CRD, and so all its instances, when the RGD is deleted.
    #[arg(long)]
    pub allow_crd_deletion: bool,
    /// Do not install or upgrade the ResourceGraphDefinition and GraphRevision CRDs at start.
    #[arg(long)]
    pub skip_crd_install: bool,
    /// Run the controllers only while holding a Lease, so several replicas can run with one active.
    #[arg(long)]
    pub leader_elect: bool,
    /// The Lease's name.
    #[arg(long, value_name = "NAME", default_value = "kro-rs.kro.run")]
    pub leader_election_id: String,
    /// The Lease's namespace [default: the Pod's namespace in a cluster, else the kubeconfig's namespace].
    #[arg(long, value_name = "NS")]
    pub leader_election_namespace: Option<String>,
    /// Field managers allowed to own items inside the lists kro-rs declares on its children (a mesh that adds a
    /// port, say): drift repair leaves their items alone. Comma-separated; repeatable.
    #[arg(long, value_name = "MANAGER,...", value_delimiter = ',')]
    pub shared_field_managers: Vec<String>,
    /// GraphRevisions kept per RGD (the oldest beyond it are deleted, never the one instances use); 0 keeps all.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub rgd_max_graph_revisions: usize,
    /// How long a Lease holds without renewal, in seconds: the longest a dead leader delays the next one.
    #[arg(long, value_name = "SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..))]
    pub leader_election_lease_duration: u64,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// RGD files to read; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A CRD file, or a folder of them, defining custom kinds the resources use (repeatable).
    #[arg(long = "crd", value_name = "PATH")]
    pub crds: Vec<PathBuf>,
    /// Treat warnings as errors (exit 1).
    #[arg(long)]
    pub deny_warnings: bool,
    /// kro's alpha features, e.g. `CELOmitFunction=true` (off by default, as in kro).
    #[arg(long, value_name = "GATE=BOOL,...", value_parser = parse_feature_gates, default_value = "", hide_default_value = true)]
    pub feature_gates: Features,
}

/// `--feature-gates CELOmitFunction=true`, kro's flag and spelling. Gates kro has that change nothing offline
/// (events and metrics of conditions) are accepted and ignored.
pub fn parse_feature_gates(text: &str) -> Result<Features, String> {
    let mut features = Features::default();
    for gate in text.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let (name, value) = gate.split_once('=').unwrap_or((gate, "true"));
        let on = match value.trim() {
            "true" => true,
            "false" => false,
            other => return Err(format!("{name}={other}: a gate is true or false")),
        };
        match name.trim() {
            "CELOmitFunction" => features.omit = on,
            "InstanceConditionEvents" | "InstanceConditionMetrics" => {}
            other => {
                return Err(format!(
                    "unknown feature gate {other}; known: CELOmitFunction, InstanceConditionEvents, InstanceConditionMetrics"
                ));
            }
        }
    }
    Ok(features)
}

/// `--now`: an RFC 3339 time such as `2025-01-01T00:00:00Z`.
fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is not an RFC 3339 time such as 2025-01-01T00:00:00Z"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Json,
    Dot,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    Yaml,
    Json,
}
