//! The Spin manifest (v2) we share with Spin: routes, components, their
//! key-value stores, environment, build commands and `dependencies` (plugs).
//!
//! Only the subset Tributary uses is read; anything we cannot honour is an
//! error at start-up rather than a surprise at request time.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed, checked manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// HTTP routes in manifest order.
    pub routes: Vec<Route>,
    /// Components by id.
    pub components: BTreeMap<String, ComponentSpec>,
}

/// One `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The route as written (`/store/...`); the metrics label.
    pub raw: String,
    /// What the route matches.
    pub pattern: RoutePattern,
    /// Component id handling it.
    pub component: String,
}

impl Route {
    /// The route as written, for metrics and logs.
    pub fn label(&self) -> String {
        self.raw.clone()
    }
}

/// Spin route syntax: exact (`/healthz`) or wildcard tail (`/store/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutePattern {
    /// The path must equal this.
    Exact(String),
    /// The path must equal the prefix or continue it after a `/`.
    Prefix(String),
}

impl RoutePattern {
    fn parse(route: &str) -> Result<Self> {
        if !route.starts_with('/') {
            bail!("route {route:?} must start with '/'");
        }
        if let Some(prefix) = route.strip_suffix("/...") {
            return Ok(Self::Prefix(prefix.to_owned()));
        }
        if route.contains("...") || route.contains("/:") {
            bail!("route {route:?}: only exact routes and a trailing /... wildcard are supported");
        }
        Ok(Self::Exact(route.trim_end_matches('/').to_owned()).normalized())
    }

    fn normalized(self) -> Self {
        match self {
            Self::Exact(s) if s.is_empty() => Self::Exact("/".into()),
            other => other,
        }
    }

    /// Does `path` (no query) match? Longer matches are more specific.
    pub fn matches(&self, path: &str) -> Option<usize> {
        match self {
            Self::Exact(p) => (path == p || (p != "/" && path.strip_suffix('/') == Some(p)))
                .then_some(p.len() + 1),
            Self::Prefix(p) => {
                let rest = path.strip_prefix(p.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then_some(p.len())
            }
        }
    }
}

/// One `[component.<id>]`.
#[derive(Debug, Clone)]
pub struct ComponentSpec {
    /// Component id.
    pub id: String,
    /// Path of the `.wasm`.
    pub source: PathBuf,
    /// Key-value stores it may open.
    pub key_value_stores: Vec<String>,
    /// Environment variables it sees.
    pub environment: BTreeMap<String, String>,
    /// Imports satisfied by other components: import name → component path.
    pub dependencies: BTreeMap<String, PathBuf>,
    /// `[component.<id>.build] command`, run by `serve --build`.
    pub build: Option<Build>,
}

/// A component's build step.
#[derive(Debug, Clone)]
pub struct Build {
    /// Shell command.
    pub command: String,
    /// Working directory, relative to the manifest.
    pub workdir: PathBuf,
}

#[derive(Deserialize)]
struct RawManifest {
    spin_manifest_version: u32,
    #[serde(default)]
    trigger: RawTriggers,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Deserialize, Default)]
struct RawTriggers {
    #[serde(default)]
    http: Vec<RawHttpTrigger>,
}

#[derive(Deserialize)]
struct RawHttpTrigger {
    route: toml::Value,
    component: String,
}

#[derive(Deserialize)]
struct RawComponent {
    source: toml::Value,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default)]
    build: Option<RawBuild>,
}

#[derive(Deserialize)]
struct RawBuild {
    command: String,
    #[serde(default)]
    workdir: Option<String>,
}

impl Manifest {
    /// Read and check `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read manifest {}: pass --manifest", path.display()))?;
        // `spin.toml` has the parent "", which is no directory to run builds in.
        let root = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Self::parse(&text, &root)
            .with_context(|| format!("manifest {} is not usable", path.display()))
    }

    /// Parse manifest text whose relative paths resolve against `root`.
    pub fn parse(text: &str, root: &Path) -> Result<Self> {
        let raw: RawManifest = toml::from_str(text).context("not a valid Spin manifest")?;
        if raw.spin_manifest_version != 2 {
            bail!(
                "spin_manifest_version must be 2, found {}",
                raw.spin_manifest_version
            );
        }
        let mut components = BTreeMap::new();
        for (id, c) in raw.component {
            let source = match &c.source {
                toml::Value::String(s) => root.join(s),
                _ => bail!("component {id:?}: only a local file path is supported as `source`"),
            };
            let mut dependencies = BTreeMap::new();
            for (name, dep) in c.dependencies {
                let path = dep
                    .get("path")
                    .and_then(toml::Value::as_str)
                    .with_context(|| {
                        format!("component {id:?}: dependency {name:?} must be {{ path = \"…\" }}")
                    })?;
                dependencies.insert(name, root.join(path));
            }
            let build = c.build.map(|b| Build {
                command: b.command,
                workdir: root.join(b.workdir.unwrap_or_default()),
            });
            let spec = ComponentSpec {
                id: id.clone(),
                source,
                key_value_stores: c.key_value_stores,
                environment: c.environment,
                dependencies,
                build,
            };
            components.insert(id, spec);
        }
        let mut routes = Vec::new();
        for t in raw.trigger.http {
            let route = match &t.route {
                toml::Value::String(s) => s.clone(),
                _ => bail!(
                    "trigger for {:?}: only string routes are supported",
                    t.component
                ),
            };
            if !components.contains_key(&t.component) {
                bail!(
                    "route {route:?} names component {:?}, which the manifest does not define",
                    t.component
                );
            }
            routes.push(Route {
                pattern: RoutePattern::parse(&route)?,
                raw: route,
                component: t.component,
            });
        }
        if routes.is_empty() {
            bail!("the manifest has no [[trigger.http]] routes");
        }
        Ok(Self { routes, components })
    }

    /// The component for `path`: the most specific matching route.
    pub fn route(&self, path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .filter_map(|r| r.pattern.matches(path).map(|score| (score, r)))
            .max_by_key(|(score, _)| *score)
            .map(|(_, r)| r)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[[trigger.http]]
route = "/"
component = "control"
[[trigger.http]]
route = "/store/..."
component = "origin"
[component.control]
source = "control.wasm"
key_value_stores = ["containers"]
[component.origin]
source = "origin.wasm"
[component.origin.dependencies]
"tributary:policy/authorize@0.1.0" = { path = "policy.wasm" }
[component.origin.build]
command = "cargo build"
"#;

    #[test]
    fn routes_pick_the_most_specific_match() {
        let m = Manifest::parse(MANIFEST, Path::new("/app")).unwrap();
        assert_eq!(m.route("/").unwrap().component, "control");
        assert_eq!(m.route("/store").unwrap().component, "origin");
        assert_eq!(m.route("/store/live/a.ts").unwrap().component, "origin");
        assert!(m.route("/storefront").is_none());
        assert!(m.route("/other").is_none());
    }

    #[test]
    fn dependencies_and_sources_resolve_against_the_manifest() {
        let m = Manifest::parse(MANIFEST, Path::new("/app")).unwrap();
        let origin = &m.components["origin"];
        assert_eq!(origin.source, Path::new("/app/origin.wasm"));
        assert_eq!(
            origin.dependencies["tributary:policy/authorize@0.1.0"],
            Path::new("/app/policy.wasm")
        );
        assert_eq!(origin.build.as_ref().unwrap().command, "cargo build");
    }

    #[test]
    fn unknown_components_and_versions_are_refused() {
        let bad = MANIFEST.replace("component = \"origin\"", "component = \"nope\"");
        assert!(
            Manifest::parse(&bad, Path::new("/"))
                .unwrap_err()
                .to_string()
                .contains("nope")
        );
        let v1 = MANIFEST.replace("spin_manifest_version = 2", "spin_manifest_version = 1");
        assert!(Manifest::parse(&v1, Path::new("/")).is_err());
    }
}
