//! A SQLite database the store creates holds refresh tokens (in clear text without token keys):
//! on Unix the file is created 0600 and any folder made for it 0700, before SQLite opens it. Existing files and
//! folders keep their permissions.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use esi_sso::{Sso, SsoConfig};
use esi_store::{StoreConfig, TokenStore};

fn sso() -> Sso {
    Sso::new(SsoConfig::new("cid", "http://127.0.0.1/callback")).expect("sso")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A fresh folder under the temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        use rand::RngCore as _;
        let mut b = [0u8; 6];
        rand::rng().fill_bytes(&mut b);
        let suffix: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("esi-store-{name}-{suffix}"));
        std::fs::create_dir(&dir).expect("scratch dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_new_database_file_and_its_folders_are_private() {
    let scratch = Scratch::new("private");
    let file = scratch
        .0
        .join("new")
        .join("deeper")
        .join("esi-tokens.sqlite");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let store = TokenStore::connect(StoreConfig::new(url), sso())
        .await
        .expect("store");
    assert_eq!(mode(&file), 0o600, "the database file");
    assert_eq!(mode(&scratch.0.join("new")), 0o700, "a folder made for it");
    assert_eq!(
        mode(&scratch.0.join("new/deeper")),
        0o700,
        "a folder made for it"
    );
    assert_eq!(mode(&scratch.0), 0o755, "an existing folder is left alone");
    let wal = PathBuf::from(format!("{}-wal", file.display()));
    if wal.exists() {
        assert_eq!(
            mode(&wal),
            0o600,
            "SQLite copies the file's mode to the WAL"
        );
    }
    store.db().clone().close().await.ok();
}

#[tokio::test]
async fn a_plain_path_is_created_private_too() {
    let scratch = Scratch::new("plain");
    let file = scratch.0.join("tokens.db");
    let store = TokenStore::connect(StoreConfig::new(file.display().to_string()), sso())
        .await
        .expect("store");
    assert_eq!(mode(&file), 0o600);
    store.db().clone().close().await.ok();
}

#[tokio::test]
async fn an_existing_file_keeps_its_mode() {
    let scratch = Scratch::new("existing");
    let file = scratch.0.join("shared.sqlite");
    std::fs::write(&file, b"").expect("empty file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let store = TokenStore::connect(StoreConfig::new(url), sso())
        .await
        .expect("store");
    assert_eq!(mode(&file), 0o640);
    store.db().clone().close().await.ok();
}
