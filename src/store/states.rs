//! Peering states in SQL. The `peerings.state` column holds
//! `PeeringState::as_i64`, and a CHECK constraint (migration 0005) holds it
//! to those values; this module is the one place that spells the numbers
//! in SQL. (`vpcsim check` keeps its own SQL on purpose: it is an
//! independent oracle.)

use crate::domain::peering::PeeringState::{self, Active, Expired, Pending};

/// `state = <n>` for the table alias `prefix` (`"p."`, or `""`).
pub(super) fn is(prefix: &str, state: PeeringState) -> String {
    format!("{prefix}state = {}", state.as_i64())
}

/// A PENDING request whose time ran out by `now`.
pub(super) fn overdue(prefix: &str, now: &str) -> String {
    format!("({} AND {prefix}expire_time <= {now})", is(prefix, Pending))
}

/// The stored state's name (`'PENDING'`, ...), as events write it.
pub(super) fn name(prefix: &str) -> String {
    let arms: String = [Pending, Active, Expired, PeeringState::Rejected]
        .iter()
        .map(|s| format!(" WHEN {} THEN '{}'", s.as_i64(), s.as_str()))
        .collect();
    format!(
        "CASE {prefix}state{arms} ELSE '{}' END",
        PeeringState::Deleted.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_spells_the_enums_numbers() {
        assert_eq!(is("p.", Expired), "p.state = 3");
        assert_eq!(
            name(""),
            "CASE state WHEN 1 THEN 'PENDING' WHEN 2 THEN 'ACTIVE' WHEN 3 THEN 'EXPIRED' \
             WHEN 4 THEN 'REJECTED' ELSE 'DELETED' END"
        );
        assert_eq!(
            overdue("p.", "100"),
            "(p.state = 1 AND p.expire_time <= 100)"
        );
    }
}
