//! TEMPORARY stub until the topo branch lands.
#[derive(serde::Serialize)]
pub struct Topology {
    pub clock: String,
}
impl Topology {
    pub fn build(s: &crate::scenario::Scenario, _now: crate::domain::time::Timestamp) -> Topology {
        Topology {
            clock: s.clock.clone().unwrap_or_default(),
        }
    }
}
