//! Reading `smartctl --json` output (smartmontools 7): health, identity, and the wear figures.

use serde_json::Value;

use crate::db::entities::disk_health;
use crate::domain::Hostname;

/// Raw JSON above this size is not stored (the parsed figures still are).
const RAW_JSON_CAP: usize = 64 * 1024;

/// One device as smartctl described it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SmartReading {
    pub device: String,
    pub device_type: String,
    /// `passed`, `failed`, `worn`, `standby`, `unreadable`, `unknown`.
    pub health: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub temperature_c: Option<f64>,
    pub power_on_hours: Option<i64>,
    pub reallocated_sectors: Option<i64>,
    pub pending_sectors: Option<i64>,
    pub percentage_used: Option<f64>,
    pub media_errors: Option<i64>,
    pub detail: Option<String>,
    pub raw_json: Option<String>,
}

/// The devices in `smartctl --scan-open --json` output: (name, type).
pub(crate) fn parse_scan(json: &Value) -> Vec<(String, String)> {
    json["devices"]
        .as_array()
        .map(|devices| {
            devices
                .iter()
                .filter_map(|d| {
                    Some((
                        d["name"].as_str()?.to_owned(),
                        d["type"].as_str().unwrap_or("auto").to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An ATA attribute's raw count: the leading number of `raw.string` (vendors pack extra fields
/// into `raw.value`, e.g. `2725 (151 234 0)`).
fn attribute(json: &Value, id: u64) -> Option<i64> {
    let table = json["ata_smart_attributes"]["table"].as_array()?;
    let attr = table.iter().find(|a| a["id"].as_u64() == Some(id))?;
    attr["raw"]["string"]
        .as_str()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .or_else(|| attr["raw"]["value"].as_i64())
}

fn messages(json: &Value) -> String {
    json["smartctl"]["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["string"].as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// Reads one device's `smartctl --json -a -n standby` output. `device`/`device_type` are the names the
/// scan gave (smartctl's own `device.name` can differ, e.g. behind a USB bridge).
pub(crate) fn parse_device(device: &str, device_type: &str, json: &Value) -> SmartReading {
    let exit_status = json["smartctl"]["exit_status"].as_u64().unwrap_or(0);
    let messages = messages(json);
    let mut r = SmartReading {
        device: device.to_owned(),
        device_type: json["device"]["type"]
            .as_str()
            .unwrap_or(device_type)
            .to_owned(),
        model: json["model_name"].as_str().map(str::to_owned),
        serial: json["serial_number"].as_str().map(str::to_owned),
        temperature_c: json["temperature"]["current"].as_f64(),
        power_on_hours: json["power_on_time"]["hours"]
            .as_i64()
            .or_else(|| attribute(json, 9)),
        reallocated_sectors: attribute(json, 5),
        pending_sectors: attribute(json, 197),
        ..SmartReading::default()
    };
    let nvme = &json["nvme_smart_health_information_log"];
    if nvme.is_object() {
        r.percentage_used = nvme["percentage_used"].as_f64();
        r.media_errors = nvme["media_errors"].as_i64();
        r.power_on_hours = r.power_on_hours.or_else(|| nvme["power_on_hours"].as_i64());
        r.temperature_c = r.temperature_c.or_else(|| nvme["temperature"].as_f64());
    }
    let raw = json.to_string();
    r.raw_json = (raw.len() <= RAW_JSON_CAP).then_some(raw);

    if messages.to_ascii_lowercase().contains("standby") {
        r.health = "standby".into();
        r.detail = Some(messages);
        return r;
    }
    let passed = json["smart_status"]["passed"].as_bool();
    if passed.is_none() && exit_status & 0b110 != 0 {
        r.health = "unreadable".into();
        r.detail = Some(if messages.is_empty() {
            format!("smartctl exit status {exit_status}")
        } else {
            messages
        });
        return r;
    }
    let wear = wear_findings(json, &r);
    (r.health, r.detail) = match passed {
        Some(false) => (
            "failed".into(),
            Some(join("SMART overall health: FAILED", &wear)),
        ),
        _ if exit_status & 0b1000 != 0 => {
            ("failed".into(), Some(join("smartctl: disk failing", &wear)))
        }
        _ if !wear.is_empty() => ("worn".into(), Some(wear.join("; "))),
        Some(true) => ("passed".into(), None),
        None => (
            "unknown".into(),
            Some("smartctl reported no overall health".into()),
        ),
    };
    r
}

fn join(head: &str, rest: &[String]) -> String {
    std::iter::once(head.to_owned())
        .chain(rest.iter().cloned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the attributes say even when the overall verdict is PASSED.
fn wear_findings(json: &Value, r: &SmartReading) -> Vec<String> {
    let mut found = Vec::new();
    let mut count = |label: &str, value: Option<i64>| {
        if let Some(n) = value.filter(|n| *n > 0) {
            found.push(format!("{label}: {n}"));
        }
    };
    count("reallocated sectors", r.reallocated_sectors);
    count("pending sectors", r.pending_sectors);
    count("offline uncorrectable sectors", attribute(json, 198));
    count("reported uncorrectable errors", attribute(json, 187));
    count("interface CRC errors", attribute(json, 199));
    count("NVMe media errors", r.media_errors);
    let nvme = &json["nvme_smart_health_information_log"];
    count("NVMe critical warning", nvme["critical_warning"].as_i64());
    if let Some(used) = r.percentage_used.filter(|p| *p >= 90.0) {
        found.push(format!("NVMe endurance used: {used}%"));
    }
    if let (Some(spare), Some(threshold)) = (
        nvme["available_spare"].as_f64(),
        nvme["available_spare_threshold"].as_f64(),
    ) && spare < threshold
    {
        found.push(format!("NVMe spare {spare}% below threshold {threshold}%"));
    }
    if let Some(table) = json["ata_smart_attributes"]["table"].as_array() {
        for attr in table {
            if attr["when_failed"].as_str().is_some_and(|w| !w.is_empty()) {
                found.push(format!(
                    "attribute {} failed ({})",
                    attr["name"].as_str().unwrap_or("?"),
                    attr["when_failed"].as_str().unwrap_or("")
                ));
            }
        }
    }
    found
}

impl SmartReading {
    pub(crate) fn into_row(self, hostname: &Hostname, ts: f64) -> disk_health::Model {
        disk_health::Model {
            id: 0,
            hostname: hostname.clone(),
            ts_epoch: ts,
            device: self.device,
            device_type: self.device_type,
            health: self.health,
            model: self.model,
            serial: self.serial,
            temperature_c: self.temperature_c,
            power_on_hours: self.power_on_hours,
            reallocated_sectors: self.reallocated_sectors,
            pending_sectors: self.pending_sectors,
            percentage_used: self.percentage_used,
            media_errors: self.media_errors,
            detail: self.detail,
            raw_json: self.raw_json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).expect("fixture is JSON")
    }

    #[test]
    fn scans_list_devices_with_their_types() {
        let scan = fixture(include_str!(
            "../../tests/fixtures/smartctl/smartctl_scan_nvme.json"
        ));
        assert_eq!(
            parse_scan(&scan),
            vec![("/dev/nvme0".to_owned(), "nvme".to_owned())]
        );
        assert!(parse_scan(&fixture("{}")).is_empty());
    }

    #[test]
    fn identity_only_output_has_no_verdict() {
        let info = fixture(include_str!(
            "../../tests/fixtures/smartctl/smartctl_info_nvme.json"
        ));
        let r = parse_device("/dev/nvme4", "nvme", &info);
        assert_eq!(r.health, "unknown");
        assert_eq!(r.model.as_deref(), Some("KCD61LUL3T84"));
        assert_eq!(r.serial.as_deref(), Some("61Q0A05UT7B8"));
    }

    #[test]
    fn a_failed_verdict_wins_over_everything() {
        let json = fixture(
            r#"{"smartctl":{"exit_status":8},"smart_status":{"passed":false},
                "ata_smart_attributes":{"table":[{"id":5,"name":"Reallocated_Sector_Ct","raw":{"value":12,"string":"12"}}]}}"#,
        );
        let r = parse_device("/dev/sda", "sat", &json);
        assert_eq!(r.health, "failed");
        assert_eq!(r.reallocated_sectors, Some(12));
        assert!(
            r.detail
                .as_deref()
                .is_some_and(|d| d.contains("reallocated sectors: 12"))
        );
    }
}
