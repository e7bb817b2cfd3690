//! Writing a new token key to a file for `esi tokens new-key --out FILE`.
//!
//! Invariant: the key file is created new (an existing file is never overwritten, so a key in
//! use cannot be lost), with mode 0600 from its first byte, and a missing folder for it is
//! created 0700 (on Unix); existing folders are left as they are.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::Failure;

/// Writes `line` (the key, `<id>:<base64>`) and a newline to the new file `path`.
pub(crate) fn write_new(path: &Path, line: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.exists()
    {
        create_private_dir(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut file = match create_private_file(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::usage(format!(
                "{} already exists; a key file is never overwritten (a key in use would be \
                 lost): choose another path",
                path.display()
            )));
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("creating {}", path.display()))
                .into());
        }
    };
    file.write_all(line.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn creates_private_and_never_overwrites() {
        let dir = std::env::temp_dir().join(format!(
            "esi-cli-key-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let path = dir.join("keys").join("token.key");
        write_new(&path, "k:secret").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "k:secret\n");
        let again = write_new(&path, "k:other").unwrap_err();
        assert_eq!(again.code, 2);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "k:secret\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
