//! The least-privilege Postgres role for `smartmon agent` on another host: read, insert and update on
//! the collector's tables (the upserts need to read the rows they update), its sequences, the migration
//! table (to check the schema version), and `restart_requests` rows of its own hostname only (row-level
//! security), when that table exists; for the alerts it routes, the channels' routing columns, the
//! maintenance windows and its own host's notification outbox; its own host's `log_requests`, to
//! answer them. Nothing on `users`, `sessions`, the channels' secrets, or anything else; `audit_log`
//! only to append.

use crate::domain::Hostname;

/// What the collector writes.
pub const COLLECTOR_TABLES: [&str; 8] = [
    "hosts",
    "service_current",
    "service_status",
    "system_metrics",
    "disk_health",
    "network_checks",
    "alerts",
    "filesystem_usage",
];

/// A role name Postgres accepts unquoted: lowercase letter or `_`, then letters, digits, `_`; ≤ 63.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleName(String);

impl RoleName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let ok = !input.is_empty()
            && input.len() <= 63
            && input
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(format!(
                "{input:?} is not a role name: use lowercase letters, digits and _ (at most 63), starting with a letter"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `smartmon_agent_<host>` with the host's `-` and `.` as `_`.
    pub fn for_host(host: &Hostname) -> Result<Self, String> {
        let name: String = host
            .as_str()
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        Self::parse(&format!("smartmon_agent_{name}"))
    }
}

/// The SQL that creates (or refreshes) `role` for the agent of `host`, idempotent, one transaction.
/// The role logs in without a password until the operator sets one (`ALTER ROLE … PASSWORD`).
pub fn sql(role: &RoleName, host: &Hostname) -> String {
    let role = role.as_str();
    // Hostnames are [A-Za-z0-9.-] (Hostname::parse), so the literal needs no escaping.
    let host = host.as_str();
    let tables = COLLECTOR_TABLES.join(", ");
    let sequences: Vec<String> = COLLECTOR_TABLES
        .iter()
        .map(|t| format!("{t}_id_seq"))
        .collect();
    format!(
        "BEGIN;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    CREATE ROLE {role} LOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE ON {tables} TO {role};
GRANT USAGE ON SEQUENCE {sequences} TO {role};
GRANT SELECT ON seaql_migrations TO {role};
-- The audit log is append-only for agents: they record the restarts they run, and cannot read it back.
GRANT INSERT ON audit_log TO {role};
GRANT USAGE ON SEQUENCE audit_log_id_seq TO {role};
-- Alerts it opens or resolves are routed in the same transaction (db::notify_outbox): it reads the
-- channels' routing columns (never their secrets), the maintenance windows, and its own host's outbox.
DO $$ BEGIN
  IF to_regclass('public.notification_outbox') IS NOT NULL THEN
    GRANT SELECT (id, enabled, route, grace_secs) ON notification_channels TO {role};
    GRANT SELECT ON notification_silences TO {role};
    GRANT SELECT, INSERT, UPDATE ON notification_outbox TO {role};
    GRANT USAGE ON SEQUENCE notification_outbox_id_seq TO {role};
    ALTER TABLE notification_outbox ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS {role}_own_host ON notification_outbox;
    CREATE POLICY {role}_own_host ON notification_outbox TO {role}
      USING (hostname = '{host}') WITH CHECK (hostname = '{host}');
  END IF;
  -- It answers the console's reads of its own units' journals (collector::log_answers).
  IF to_regclass('public.log_requests') IS NOT NULL THEN
    GRANT SELECT, UPDATE ON log_requests TO {role};
    ALTER TABLE log_requests ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS {role}_own_host ON log_requests;
    CREATE POLICY {role}_own_host ON log_requests TO {role}
      USING (hostname = '{host}') WITH CHECK (hostname = '{host}');
  END IF;
  IF to_regclass('public.restart_requests') IS NOT NULL THEN
    GRANT SELECT, UPDATE ON restart_requests TO {role};
    ALTER TABLE restart_requests ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS {role}_own_host ON restart_requests;
    CREATE POLICY {role}_own_host ON restart_requests TO {role}
      USING (hostname = '{host}') WITH CHECK (hostname = '{host}');
  END IF;
END $$;
COMMIT;
",
        sequences = sequences.join(", "),
    )
}

/// Runs the role SQL (as a role allowed to create roles and grant on the tables: the owner).
pub async fn apply(db: &sea_orm::DatabaseConnection, sql: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(sql)
        .await
        .context("cannot create the agent role")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_that_need_quoting_are_refused() {
        assert!(RoleName::parse("agent_web01").is_ok());
        for bad in ["", "Agent", "1agent", "a-b", "a;drop", &"a".repeat(64)] {
            assert!(RoleName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_role_gets_nothing_on_accounts_and_may_only_append_to_the_audit_log() {
        let host = Hostname::parse("web-01.lan").expect("host");
        let role = RoleName::for_host(&host).expect("role");
        assert_eq!(role.as_str(), "smartmon_agent_web_01_lan");
        let sql = sql(&role, &host);
        for table in ["users", "sessions"] {
            assert!(!sql.contains(&format!(" {table}")), "{table} in {sql}");
        }
        let audit: Vec<&str> = sql.lines().filter(|l| l.contains(" audit_log")).collect();
        assert_eq!(
            audit,
            [
                "GRANT INSERT ON audit_log TO smartmon_agent_web_01_lan;",
                "GRANT USAGE ON SEQUENCE audit_log_id_seq TO smartmon_agent_web_01_lan;"
            ],
            "{sql}"
        );
    }
}
