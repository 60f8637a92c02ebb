//! Prometheus metrics served at `/metrics`: requests by route and status,
//! latency, instantiation time per component, and the transport's flow
//! series ([`crate::transport::metrics`]).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

use crate::transport::metrics::TransportMetrics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    component: String,
}

/// The host's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    instantiation: Family<ComponentLabels, Histogram>,
    in_flight: Gauge,
    transport: Arc<TransportMetrics>,
}

impl Metrics {
    /// Register every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tributary");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        // 50 µs … ~26 s
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 20))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to response headers, by route",
            latency.clone(),
        );
        // 5 µs … ~5 s
        let instantiation = Family::<ComponentLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_005, 2.0, 20))
        });
        registry.register(
            "component_instantiation_seconds",
            "Time to instantiate a component for one request",
            instantiation.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being handled",
            in_flight.clone(),
        );
        let transport = Arc::new(TransportMetrics::register(&mut registry));
        Self {
            registry,
            transport,
            requests,
            latency,
            instantiation,
            in_flight,
        }
    }

    /// Count a finished request.
    pub fn observe_request(&self, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Record one instantiation.
    pub fn observe_instantiation(&self, component: &str, elapsed: Duration) {
        self.instantiation
            .get_or_create(&ComponentLabels {
                component: component.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// A request started (`+1`) or ended (`-1`).
    pub fn in_flight(&self, delta: i64) {
        self.in_flight.inc_by(delta);
    }

    /// The flow series, for the transport supervisor.
    pub fn transport(&self) -> Arc<TransportMetrics> {
        self.transport.clone()
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_metrics_carry_route_and_status() {
        let m = Metrics::new();
        m.observe_request("/store/...", 200, Duration::from_millis(3));
        m.observe_instantiation("origin", Duration::from_micros(20));
        let text = m.render();
        assert!(
            text.contains(r#"tributary_http_requests_total{route="/store/...",status="200"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(
                "tributary_component_instantiation_seconds_count{component=\"origin\"} 1"
            )
        );
    }
}
