//! Accounts and logged-in clients for tests: `app.create_user(name, role)`, `app.login(name, password)`,
//! `app.login_as(name, role)`.

use smartmon::auth::Role;
use smartmon::auth::accounts::{self, NewUser};

use super::{TestApp, client};

/// A client holding a session cookie, and the CSRF token its pages carry.
pub struct LoggedIn {
    pub client: reqwest::Client,
    pub csrf: String,
    address: String,
}

impl LoggedIn {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// A same-origin form POST carrying the CSRF token, as the browser sends it.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        fields.push(("csrf_token", &self.csrf));
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(&fields)
            .send()
            .await
            .expect("request reaches the server")
    }
}

/// The password `create_user` gives `name`.
pub fn password_for(name: &str) -> String {
    format!("pw-{name}-long-enough")
}

/// The value of `<input … name="csrf_token" value="…">` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest.split('"').next().map(str::to_owned)
}

impl TestApp {
    /// Creates a local user with `password_for(name)`.
    pub async fn create_user(&self, name: &str, role: Role) -> String {
        let password = password_for(name);
        let new = NewUser {
            username: name,
            password: &password,
            role,
        };
        accounts::create(&self.state.db, &self.state.clock, new, "test", None)
            .await
            .expect("create the user");
        password
    }

    /// Logs in through the login form; panics unless the server accepts it.
    pub async fn login(&self, name: &str, password: &str) -> LoggedIn {
        let client = client();
        let response = client
            .post(self.url("/login"))
            .header("Origin", &self.address)
            .form(&[("username", name), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 303, "login as {name} is accepted");
        let home = client.get(self.url("/")).send().await.expect("overview");
        assert_eq!(home.status(), 200, "a fresh session opens the overview");
        let csrf =
            csrf_in(&home.text().await.expect("text")).expect("the page carries a CSRF token");
        LoggedIn {
            client,
            csrf,
            address: self.address.clone(),
        }
    }

    /// Creates a user with `role` and logs them in.
    pub async fn login_as(&self, name: &str, role: Role) -> LoggedIn {
        let password = self.create_user(name, role).await;
        self.login(name, &password).await
    }

    /// The latest audit rows with this action, newest first.
    pub async fn audit(&self, action: &str) -> Vec<smartmon::db::entities::audit_log::Model> {
        let action = smartmon::domain::AuditAction::parse(action).expect("an audited action");
        smartmon::db::audit_log::latest(&self.state.db.conn, Some(action), 50)
            .await
            .expect("read the audit log")
    }
}
