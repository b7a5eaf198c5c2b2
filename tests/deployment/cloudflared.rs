//! The file-managed tunnel's config: valid YAML, routes to nginx, and ingress ending in a catch-all.

use super::read_repo_file;
use crate::support::yaml::yaml_to_json;

#[test]
fn the_tunnel_config_parses_and_its_ingress_ends_in_a_catch_all() {
    let config = yaml_to_json(&read_repo_file("cloudflared/config.yml"));
    assert!(config["tunnel"].is_string(), "tunnel id");
    // The path docker-compose.yml mounts the credentials at.
    assert_eq!(
        config["credentials-file"],
        "/etc/cloudflared/credentials.json"
    );
    let rules = config["ingress"].as_array().expect("ingress rules");
    let (last, routes) = rules.split_last().expect("at least one rule");
    assert!(
        last.get("hostname").is_none() && last.get("path").is_none(),
        "the last rule matches everything: {last}"
    );
    assert_eq!(last["service"], "http_status:404");
    assert!(!routes.is_empty(), "a route before the catch-all");
    for rule in routes {
        assert!(
            rule["hostname"].is_string(),
            "only the last rule may match any host: {rule}"
        );
        assert_eq!(rule["service"], "http://nginx:80");
    }
    let compose = read_repo_file("docker-compose.yml");
    assert!(compose.contains("./cloudflared/config.yml:/etc/cloudflared/config.yml:ro"));
    assert!(compose.contains(":/etc/cloudflared/credentials.json:ro"));
}
