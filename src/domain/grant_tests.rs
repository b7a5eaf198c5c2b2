//! The delegation rule, case by case: every role, every permission, every way a grant can miss.

use super::*;

fn grant(kind: SubjectKind, subject: &str, hosts: &str, units: &str, actions: &str) -> Grant {
    Grant {
        kind,
        subject: subject.into(),
        hosts: GrantPattern::parse(hosts, PatternOf::Host).expect("host pattern"),
        units: GrantPattern::parse(units, PatternOf::Unit).expect("unit pattern"),
        permissions: Permissions::parse(actions).expect("actions"),
    }
}

fn viewer<'a>(name: &'a str, groups: &'a [String]) -> Caller<'a> {
    Caller {
        username: name,
        role: Role::Viewer,
        groups,
    }
}

const RESTART: Permission = Permission::Act(UnitAction::Restart);
const WEB1_NGINX: (&str, &str) = ("web1", "nginx.service");

#[test]
fn operators_and_admins_may_do_everything_without_a_grant() {
    for role in [Role::Operator, Role::Admin] {
        let caller = Caller {
            username: "o",
            role,
            groups: &[],
        };
        for permission in Permission::ALL {
            for logs_need_grant in [false, true] {
                let decision = decide(&caller, &[], WEB1_NGINX, permission, logs_need_grant);
                assert_eq!(decision, Decision::Allowed(Basis::Role));
            }
        }
    }
}

#[test]
fn a_viewer_without_grants_may_only_read_logs_and_only_while_logs_need_no_grant() {
    let caller = viewer("vera", &[]);
    for permission in Permission::ALL {
        let open = decide(&caller, &[], WEB1_NGINX, permission, false);
        let closed = decide(&caller, &[], WEB1_NGINX, permission, true);
        assert_eq!(
            open.is_allowed(),
            permission == Permission::Logs,
            "{permission:?}"
        );
        assert!(!closed.is_allowed(), "{permission:?}");
    }
}

#[test]
fn a_refusal_names_the_action_the_unit_and_the_host() {
    let caller = viewer("vera", &[]);
    let Decision::Refused(why) = decide(&caller, &[], WEB1_NGINX, RESTART, false) else {
        panic!("allowed without a grant");
    };
    assert!(
        why.contains("no grant to restart nginx.service on web1"),
        "{why}"
    );
    let Decision::Refused(why) = decide(&caller, &[], WEB1_NGINX, Permission::Logs, true) else {
        panic!("allowed without a grant");
    };
    assert!(
        why.contains("read the logs of nginx.service on web1"),
        "{why}"
    );
}

#[test]
fn a_user_grant_allows_exactly_its_actions_on_its_hosts_and_units() {
    let grants = [grant(
        SubjectKind::User,
        "vera",
        "web*",
        "nginx.service",
        "restart,logs",
    )];
    let caller = viewer("vera", &[]);
    let may = |host, unit, permission| {
        decide(&caller, &grants, (host, unit), permission, true).is_allowed()
    };
    assert!(may("web1", "nginx.service", RESTART));
    assert!(may("web22", "nginx.service", Permission::Logs));
    assert!(!may("db1", "nginx.service", RESTART), "another host");
    assert!(!may("web1", "php-fpm.service", RESTART), "another unit");
    for action in [UnitAction::Start, UnitAction::Stop, UnitAction::Reload] {
        assert!(
            !may("web1", "nginx.service", Permission::Act(action)),
            "{action}"
        );
    }
}

#[test]
fn a_grant_for_someone_else_allows_nothing() {
    let grants = [grant(SubjectKind::User, "olga", "*", "*", "restart")];
    let caller = viewer("vera", &[]);
    assert!(!decide(&caller, &grants, WEB1_NGINX, RESTART, false).is_allowed());
}

#[test]
fn a_group_grant_allows_only_callers_carrying_the_group() {
    let grants = [grant(
        SubjectKind::Group,
        "team-web",
        "web?",
        "php*-fpm.service",
        "restart",
    )];
    let member = ["ops".to_owned(), "team-web".to_owned()];
    let outsider = ["team-db".to_owned()];
    let target = ("web1", "php8.2-fpm.service");
    assert!(decide(&viewer("vera", &member), &grants, target, RESTART, false).is_allowed());
    assert!(!decide(&viewer("vera", &outsider), &grants, target, RESTART, false).is_allowed());
    assert!(!decide(&viewer("vera", &[]), &grants, target, RESTART, false).is_allowed());
    // A user named like the group is not the group.
    assert!(!decide(&viewer("team-web", &[]), &grants, target, RESTART, false).is_allowed());
    // `?` is one character: web10 is not web?.
    let far = ("web10", "php8.2-fpm.service");
    assert!(!decide(&viewer("vera", &member), &grants, far, RESTART, false).is_allowed());
}

#[test]
fn subjects_match_without_regard_to_case() {
    let grants = [grant(SubjectKind::User, "vera", "*", "*", "stop")];
    let stop = Permission::Act(UnitAction::Stop);
    assert!(decide(&viewer("Vera", &[]), &grants, WEB1_NGINX, stop, false).is_allowed());
}

#[test]
fn patterns_match_like_a_shell_glob() {
    let p = |text| GrantPattern::parse(text, PatternOf::Unit).expect("unit pattern");
    assert!(p("*").matches("anything.service"));
    assert!(p("postgresql*").matches("postgresql@15-main.service"));
    assert!(p("php*-fpm.service").matches("php8.2-fpm.service"));
    assert!(!p("php*-fpm.service").matches("php8.2-fpm.socket"));
    assert!(p("ng?nx.service").matches("nginx.service"));
    assert!(!p("ng?nx.service").matches("ngnx.service"));
    assert!(p("MSSQL$SQLEXPRESS").matches("MSSQL$SQLEXPRESS"));
    assert!(!p("nginx.service").matches("nginx.service2"));
}

#[test]
fn patterns_refuse_empty_overlong_and_foreign_characters() {
    for bad in ["", "  ", "nginx;rm", "a/b", "x\u{0}", "é*"] {
        assert!(
            GrantPattern::parse(bad, PatternOf::Unit).is_err(),
            "{bad:?}"
        );
    }
    assert!(GrantPattern::parse("web 1", PatternOf::Host).is_err());
    assert!(GrantPattern::parse("web$", PatternOf::Host).is_err());
    assert!(GrantPattern::parse(&"a".repeat(254), PatternOf::Host).is_err());
    assert!(GrantPattern::parse(&"a".repeat(253), PatternOf::Host).is_ok());
    assert!(GrantPattern::parse(&"a".repeat(257), PatternOf::Unit).is_err());
    assert!(GrantPattern::parse("SQL Server (MSSQL)", PatternOf::Unit).is_ok());
}

#[test]
fn permissions_parse_from_names_and_print_back() {
    let set = Permissions::parse("restart, logs reload").expect("actions");
    assert_eq!(set.to_string(), "logs,restart,reload");
    assert_eq!(Permissions::parse(&set.to_string()), Ok(set));
    assert!(Permissions::parse("").is_err());
    assert!(Permissions::parse("restart,kill").is_err());
}

#[test]
fn subjects_are_bounded_and_lower_case() {
    assert_eq!(parse_subject(" Team-Web ").expect("subject"), "team-web");
    assert!(parse_subject("").is_err());
    assert!(parse_subject("two words").is_err());
    assert!(parse_subject("a,b").is_err());
    assert!(parse_subject(&"a".repeat(SUBJECT_MAX + 1)).is_err());
}

#[test]
fn groups_are_split_on_commas_and_spaces_and_bad_names_dropped() {
    assert_eq!(
        parse_groups("Team-Web, ops  team-web,,bad;name\tdb"),
        ["team-web", "ops", "db"]
    );
    assert!(parse_groups("").is_empty());
    let many: Vec<String> = (0..100).map(|i| format!("g{i}")).collect();
    assert_eq!(parse_groups(&many.join(",")).len(), GROUPS_MAX);
}
