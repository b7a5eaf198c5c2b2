//! A test double of systemd's D-Bus API (`org.freedesktop.systemd1`), served with zbus on a private,
//! real `dbus-daemon`. It depends only on zbus, tokio and std so that other binaries can include it
//! with `#[path]`.
//!
//! Manager: `ListUnits`, `GetUnit`, `LoadUnit`, `Subscribe`, `Unsubscribe`, `GetUnitFileState`,
//! `RestartUnit`, `StartUnit`, `StopUnit`, `ReloadUnit` (refused without `CanReload`) and the signals `UnitNew`, `UnitRemoved`, `JobRemoved`. Units live at
//! `/org/freedesktop/systemd1/unit/<escaped>` with the `Unit` and `Service` interfaces and emit
//! `PropertiesChanged` when a test changes them. Unknown units get `org.freedesktop.systemd1.NoSuchUnit`.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use zbus::object_server::SignalEmitter;
use zbus::{Connection, ObjectPath, OwnedObjectPath, Variant, interface};

const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER_IFACE: &str = "org.freedesktop.systemd1.Manager";
const UNIT_IFACE: &str = "org.freedesktop.systemd1.Unit";

/// One unit as the fake reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUnit {
    pub id: String,
    pub description: String,
    pub active_state: String,
    pub sub_state: String,
    pub load_state: String,
    pub unit_file_state: String,
    pub service_type: String,
    /// `CanReload`: the unit has an `ExecReload=`.
    pub can_reload: bool,
}

impl FakeUnit {
    /// An enabled `simple` service in the given states.
    pub fn service(id: &str, active_state: &str, sub_state: &str) -> Self {
        Self {
            id: id.to_owned(),
            description: format!("Fake {id}"),
            active_state: active_state.to_owned(),
            sub_state: sub_state.to_owned(),
            load_state: "loaded".to_owned(),
            unit_file_state: "enabled".to_owned(),
            service_type: "simple".to_owned(),
            can_reload: false,
        }
    }

    /// A unit that can reload (`CanReload=true`).
    pub fn reloadable(mut self) -> Self {
        self.can_reload = true;
        self
    }

    pub fn with_type(mut self, service_type: &str) -> Self {
        self.service_type = service_type.to_owned();
        self
    }

    pub fn with_unit_file_state(mut self, state: &str) -> Self {
        self.unit_file_state = state.to_owned();
        self
    }
}

/// How the next `RestartUnit` jobs end: the `JobRemoved` result and the state the unit is left in.
#[derive(Debug, Clone)]
pub struct RestartOutcome {
    pub result: String,
    pub active_state: String,
    pub sub_state: String,
}

impl Default for RestartOutcome {
    fn default() -> Self {
        Self {
            result: "done".into(),
            active_state: "active".into(),
            sub_state: "running".into(),
        }
    }
}

#[derive(Default)]
struct Shared {
    units: BTreeMap<String, FakeUnit>,
    /// Units systemd has unloaded (garbage-collected): not listed, unknown to `GetUnit`, but
    /// `LoadUnit` loads them again.
    unloaded: BTreeSet<String>,
    restarts: Vec<(String, String)>,
    /// Every job asked for: (method, unit, mode), `RestartUnit` included.
    jobs: Vec<(String, String, String)>,
    outcome: RestartOutcome,
    /// How long a restart job runs before `JobRemoved` (20 ms unless a test sets it).
    job_duration: Option<Duration>,
    next_job: u32,
    subscribers: i64,
}

type State = Arc<Mutex<Shared>>;

fn lock(state: &State) -> MutexGuard<'_, Shared> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// systemd's object-path escaping (`bus_path_escape`): `[A-Za-z0-9]` stay, other bytes become `_xx`.
pub fn escape_path_label(label: &str) -> String {
    if label.is_empty() {
        return "_".into();
    }
    let mut out = String::new();
    for (i, byte) in label.bytes().enumerate() {
        if byte.is_ascii_alphabetic() || (byte.is_ascii_digit() && i > 0) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("_{byte:02x}"));
        }
    }
    out
}

pub fn unit_path(id: &str) -> String {
    format!("{MANAGER_PATH}/unit/{}", escape_path_label(id))
}

fn object_path(path: &str) -> OwnedObjectPath {
    OwnedObjectPath::try_from(path.to_owned()).unwrap_or_else(|_| panic!("bad path {path}"))
}

#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.freedesktop.systemd1")]
enum SystemdError {
    #[zbus(error)]
    ZBus(zbus::Error),
    NoSuchUnit(String),
    JobTypeNotApplicable(String),
}

fn no_such_unit(name: &str) -> SystemdError {
    SystemdError::NoSuchUnit(format!("Unit {name} not loaded."))
}

struct Manager {
    state: State,
}

#[interface(name = "org.freedesktop.systemd1.Manager")]
impl Manager {
    #[allow(clippy::type_complexity)]
    fn list_units(
        &self,
    ) -> Vec<(
        String,
        String,
        String,
        String,
        String,
        String,
        OwnedObjectPath,
        u32,
        String,
        OwnedObjectPath,
    )> {
        let shared = lock(&self.state);
        shared
            .units
            .values()
            .filter(|u| !shared.unloaded.contains(&u.id))
            .map(|u| {
                (
                    u.id.clone(),
                    u.description.clone(),
                    u.load_state.clone(),
                    u.active_state.clone(),
                    u.sub_state.clone(),
                    String::new(),
                    object_path(&unit_path(&u.id)),
                    0,
                    String::new(),
                    object_path("/"),
                )
            })
            .collect()
    }

    fn get_unit(&self, name: &str) -> Result<OwnedObjectPath, SystemdError> {
        let shared = lock(&self.state);
        match shared.units.contains_key(name) && !shared.unloaded.contains(name) {
            true => Ok(object_path(&unit_path(name))),
            false => Err(no_such_unit(name)),
        }
    }

    fn load_unit(&self, name: &str) -> Result<OwnedObjectPath, SystemdError> {
        lock(&self.state).unloaded.remove(name);
        self.get_unit(name)
    }

    fn subscribe(&self) {
        lock(&self.state).subscribers += 1;
    }

    fn unsubscribe(&self) {
        lock(&self.state).subscribers -= 1;
    }

    fn get_unit_file_state(&self, file: &str) -> Result<String, SystemdError> {
        lock(&self.state)
            .units
            .get(file)
            .map(|u| u.unit_file_state.clone())
            .ok_or_else(|| no_such_unit(file))
    }

    async fn restart_unit(
        &self,
        name: &str,
        mode: &str,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<OwnedObjectPath, SystemdError> {
        self.job("RestartUnit", name, mode, conn)
    }

    async fn start_unit(
        &self,
        name: &str,
        mode: &str,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<OwnedObjectPath, SystemdError> {
        self.job("StartUnit", name, mode, conn)
    }

    async fn stop_unit(
        &self,
        name: &str,
        mode: &str,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<OwnedObjectPath, SystemdError> {
        self.job("StopUnit", name, mode, conn)
    }

    /// Refused, as systemd does, for a unit without `ExecReload=`.
    async fn reload_unit(
        &self,
        name: &str,
        mode: &str,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<OwnedObjectPath, SystemdError> {
        self.job("ReloadUnit", name, mode, conn)
    }
}

impl Manager {
    /// Queues a job for `name`: the unit passes through the method's transitional state and ends as
    /// the restart outcome says (a stop: inactive/dead), then `JobRemoved` is emitted.
    fn job(
        &self,
        method: &str,
        name: &str,
        mode: &str,
        conn: &Connection,
    ) -> Result<OwnedObjectPath, SystemdError> {
        let (id, outcome) = {
            let mut shared = lock(&self.state);
            let Some(unit) = shared.units.get(name) else {
                return Err(no_such_unit(name));
            };
            if method == "ReloadUnit" && !unit.can_reload {
                return Err(SystemdError::JobTypeNotApplicable(format!(
                    "Job type reload is not applicable for unit {name}."
                )));
            }
            if method == "RestartUnit" {
                shared.restarts.push((name.to_owned(), mode.to_owned()));
            }
            let call = (method.to_owned(), name.to_owned(), mode.to_owned());
            shared.jobs.push(call);
            shared.next_job += 1;
            let duration = shared.job_duration.unwrap_or(Duration::from_millis(20));
            let mut outcome = shared.outcome.clone();
            if method == "StopUnit" {
                outcome.active_state = "inactive".into();
                outcome.sub_state = "dead".into();
            }
            (shared.next_job, (outcome, duration))
        };
        let (during_active, during_sub) = match method {
            "StopUnit" => ("deactivating", "stop-sigterm"),
            "ReloadUnit" => ("reloading", "reload"),
            _ => ("activating", "start"),
        };
        let (outcome, duration) = outcome;
        let job = format!("{MANAGER_PATH}/job/{id}");
        let (conn, state, name, job_path) = (
            conn.clone(),
            self.state.clone(),
            name.to_owned(),
            job.clone(),
        );
        tokio::spawn(async move {
            set_and_signal(&conn, &state, &name, during_active, during_sub).await;
            tokio::time::sleep(duration).await;
            set_and_signal(
                &conn,
                &state,
                &name,
                &outcome.active_state,
                &outcome.sub_state,
            )
            .await;
            let job = ObjectPath::try_from(job_path.as_str()).expect("job path");
            let _ = conn
                .emit_signal(
                    None::<&str>,
                    MANAGER_PATH,
                    MANAGER_IFACE,
                    "JobRemoved",
                    &(id, job, name.as_str(), outcome.result.as_str()),
                )
                .await;
        });
        Ok(object_path(&job))
    }
}

struct UnitObject {
    state: State,
    id: String,
}

impl UnitObject {
    fn read<T>(&self, f: impl FnOnce(&FakeUnit) -> T) -> T
    where
        T: Default,
    {
        lock(&self.state)
            .units
            .get(&self.id)
            .map(f)
            .unwrap_or_default()
    }
}

#[interface(name = "org.freedesktop.systemd1.Unit")]
impl UnitObject {
    #[zbus(property)]
    fn id(&self) -> String {
        self.id.clone()
    }

    #[zbus(property)]
    fn description(&self) -> String {
        self.read(|u| u.description.clone())
    }

    #[zbus(property)]
    fn active_state(&self) -> String {
        self.read(|u| u.active_state.clone())
    }

    #[zbus(property)]
    fn sub_state(&self) -> String {
        self.read(|u| u.sub_state.clone())
    }

    #[zbus(property)]
    fn load_state(&self) -> String {
        self.read(|u| u.load_state.clone())
    }

    #[zbus(property)]
    fn unit_file_state(&self) -> String {
        self.read(|u| u.unit_file_state.clone())
    }

    #[zbus(property)]
    fn can_reload(&self) -> bool {
        self.read(|u| u.can_reload)
    }
}

struct ServiceObject {
    state: State,
    id: String,
}

#[interface(name = "org.freedesktop.systemd1.Service")]
impl ServiceObject {
    #[zbus(property, name = "Type")]
    fn service_type(&self) -> String {
        lock(&self.state)
            .units
            .get(&self.id)
            .map(|u| u.service_type.clone())
            .unwrap_or_default()
    }
}

/// Updates a unit's states and emits one `PropertiesChanged` for them, as systemd does.
async fn set_and_signal(conn: &Connection, state: &State, id: &str, active: &str, sub: &str) {
    {
        let mut shared = lock(state);
        let Some(unit) = shared.units.get_mut(id) else {
            return;
        };
        unit.active_state = active.to_owned();
        unit.sub_state = sub.to_owned();
    }
    let changed: HashMap<&str, Variant<'_>> = [
        ("ActiveState", Variant::new(active)),
        ("SubState", Variant::new(sub)),
    ]
    .into_iter()
    .collect();
    let path = unit_path(id);
    let emitter = SignalEmitter::new(conn, path.as_str()).expect("unit path");
    let _ = zbus::fdo::Properties::properties_changed(
        &emitter,
        UNIT_IFACE.try_into().expect("interface name"),
        changed,
        (&[] as &[&str]).into(),
    )
    .await;
}

async fn export_unit(conn: &Connection, state: &State, id: &str) {
    let path = unit_path(id);
    let server = conn.object_server();
    server
        .at(
            path.as_str(),
            UnitObject {
                state: state.clone(),
                id: id.to_owned(),
            },
        )
        .await
        .expect("export unit");
    server
        .at(
            path.as_str(),
            ServiceObject {
                state: state.clone(),
                id: id.to_owned(),
            },
        )
        .await
        .expect("export service");
}

/// A private `dbus-daemon` with the systemd double on it. Dropping it kills the daemon.
pub struct FakeSystemd {
    address: String,
    dir: PathBuf,
    daemon: Child,
    conn: Connection,
    state: State,
}

impl FakeSystemd {
    /// Starts a daemon and serves `units` on it.
    pub async fn start(units: &[FakeUnit]) -> FakeSystemd {
        let dir =
            std::env::temp_dir().join(format!("fake-systemd-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("bus dir");
        let address = format!("unix:path={}", dir.join("bus.sock").display());
        let daemon = start_daemon(&address);
        let state: State = Arc::default();
        lock(&state).units = units.iter().map(|u| (u.id.clone(), u.clone())).collect();
        let conn = serve(&address, &state).await;
        FakeSystemd {
            address,
            dir,
            daemon,
            conn,
            state,
        }
    }

    /// The bus address (`unix:path=…`) to give as `DBUS_SYSTEM_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub async fn add_unit(&self, unit: FakeUnit) {
        let id = unit.id.clone();
        lock(&self.state).units.insert(id.clone(), unit);
        export_unit(&self.conn, &self.state, &id).await;
        self.manager_signal("UnitNew", &id).await;
    }

    pub async fn remove_unit(&self, id: &str) {
        lock(&self.state).units.remove(id);
        let path = unit_path(id);
        let server = self.conn.object_server();
        let _ = server.remove::<UnitObject, _>(path.as_str()).await;
        let _ = server.remove::<ServiceObject, _>(path.as_str()).await;
        self.manager_signal("UnitRemoved", id).await;
    }

    /// Unloads a unit as systemd's garbage collector does with idle units: it leaves `ListUnits`,
    /// `UnitRemoved` is emitted, and `LoadUnit` brings it back in the state it had.
    pub async fn unload_unit(&self, id: &str) {
        lock(&self.state).unloaded.insert(id.to_owned());
        self.manager_signal("UnitRemoved", id).await;
    }

    /// Changes a unit's `ActiveState`/`SubState` and emits `PropertiesChanged`.
    pub async fn set_state(&self, id: &str, active_state: &str, sub_state: &str) {
        set_and_signal(&self.conn, &self.state, id, active_state, sub_state).await;
    }

    pub fn unit(&self, id: &str) -> Option<FakeUnit> {
        lock(&self.state).units.get(id).cloned()
    }

    /// Every `RestartUnit(name, mode)` call so far, in order.
    pub fn restart_calls(&self) -> Vec<(String, String)> {
        lock(&self.state).restarts.clone()
    }

    /// Every job asked for so far, in order: (method, unit, mode), e.g. ("StopUnit", "nginx.service", "replace").
    pub fn job_calls(&self) -> Vec<(String, String, String)> {
        lock(&self.state).jobs.clone()
    }

    pub fn restart_count(&self) -> usize {
        lock(&self.state).restarts.len()
    }

    pub fn set_restart_outcome(&self, result: &str, active_state: &str, sub_state: &str) {
        lock(&self.state).outcome = RestartOutcome {
            result: result.to_owned(),
            active_state: active_state.to_owned(),
            sub_state: sub_state.to_owned(),
        };
    }

    /// How long each restart job runs from now on.
    pub fn set_job_duration(&self, duration: Duration) {
        lock(&self.state).job_duration = Some(duration);
    }

    /// How many clients called `Subscribe` and not `Unsubscribe` (since the last daemon start).
    pub fn subscribers(&self) -> i64 {
        lock(&self.state).subscribers
    }

    /// systemd leaves the bus (its name has no owner) while the bus stays up.
    pub async fn leave_bus(&self) {
        self.conn
            .release_name("org.freedesktop.systemd1")
            .await
            .expect("release the systemd name");
    }

    /// systemd takes its name on the bus again.
    pub async fn return_to_bus(&self) {
        self.conn
            .request_name("org.freedesktop.systemd1")
            .await
            .expect("take the systemd name again");
    }

    /// Kills the daemon (every client loses the bus), starts a new one at the same address and serves
    /// the same units again.
    pub async fn restart_daemon(&mut self) {
        self.stop_daemon();
        self.start_again().await;
    }

    /// Kills the daemon; the units keep their state (a test may change it while the bus is down).
    pub fn stop_daemon(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = std::fs::remove_file(self.dir.join("bus.sock"));
    }

    /// Starts a daemon at the same address after `stop_daemon` and serves the units again.
    pub async fn start_again(&mut self) {
        self.daemon = start_daemon(&self.address);
        lock(&self.state).subscribers = 0;
        self.conn = serve(&self.address, &self.state).await;
    }

    async fn manager_signal(&self, member: &str, id: &str) {
        let path = unit_path(id);
        let path = ObjectPath::try_from(path.as_str()).expect("unit path");
        self.conn
            .emit_signal(
                None::<&str>,
                MANAGER_PATH,
                MANAGER_IFACE,
                member,
                &(id, path),
            )
            .await
            .expect("emit manager signal");
    }
}

impl Drop for FakeSystemd {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    NEXT.fetch_add(1, Ordering::Relaxed) * 1_000_000_000 + nanos
}

/// Starts `dbus-daemon` and waits until it prints its address (it is then accepting connections).
fn start_daemon(address: &str) -> Child {
    let mut child = Command::new("dbus-daemon")
        .args([
            "--session",
            &format!("--address={address}"),
            "--nofork",
            "--print-address",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon (apt-get install dbus)");
    let stdout = child.stdout.take().expect("daemon stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the daemon's address");
    assert!(line.starts_with("unix:"), "dbus-daemon printed {line:?}");
    child
}

async fn serve(address: &str, state: &State) -> Connection {
    let conn = zbus::connection::Builder::address(address)
        .name("org.freedesktop.systemd1")
        .serve_at(
            MANAGER_PATH,
            Manager {
                state: state.clone(),
            },
        )
        .build()
        .await
        .expect("serve the systemd double");
    let ids: Vec<String> = lock(state).units.keys().cloned().collect();
    for id in ids {
        export_unit(&conn, state, &id).await;
    }
    conn
}
