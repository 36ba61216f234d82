//! Users and groups read from an image's own `/etc/passwd` and `/etc/group`
//! (resolved inside its root): runc's `GetExecUser` for USER, and BuildKit's
//! `readUser` for `--chown`, which is more lenient.

use std::path::Path;

use super::CopyError;
use super::view::View;

/// One `/etc/passwd` or `/etc/group` line: name, id, and the third field
/// (the primary gid of a user, or a group's members).
struct Entry {
    name: String,
    id: u32,
    gid: u32,
    members: Vec<String>,
}

/// Reads `/etc/passwd` (`passwd`) or `/etc/group` inside `rootfs`; `None`
/// when the file does not exist.
fn read_db(rootfs: &Path, file: &str) -> Result<Option<Vec<Entry>>, CopyError> {
    let view = View::root(rootfs);
    let rel = view
        .resolve(std::ffi::OsStr::new(&format!("/etc/{file}")), true)
        .map_err(|e| CopyError::new(format!("cannot read /etc/{file}: {e}")))?;
    let text = match std::fs::read(view.abs(&rel)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CopyError::new(format!("cannot read /etc/{file}: {e}"))),
    };
    let text = String::from_utf8_lossy(&text);
    let passwd = file == "passwd";
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(':').collect();
        // Like runc's parser, a field that is not a number reads as 0.
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
        out.push(Entry {
            name: f.first().copied().unwrap_or("").to_string(),
            id: num(2),
            gid: if passwd { num(3) } else { num(2) },
            members: if passwd {
                Vec::new()
            } else {
                f.get(3)
                    .map(|m| {
                        m.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            },
        });
    }
    Ok(Some(out))
}

/// Resolves Docker's USER syntax (`name|uid[:group|gid]`) through the
/// rootfs's `/etc/passwd` and `/etc/group` as runc's `GetExecUser` does:
/// `(uid, gid, supplementary gids)`.
///
/// A name must exist (`unable to find user app: no matching entries in
/// passwd file`); a number need not, and then the gid is 0. Without an
/// explicit group, the gid is the user's primary group and the
/// supplementary gids are the groups listing the user as a member; with
/// one, there are none.
pub fn resolve_user(rootfs: &Path, spec: &str) -> Result<(u32, u32, Vec<u32>), CopyError> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let users = read_db(rootfs, "passwd")?.unwrap_or_default();
    let (mut uid, mut gid, mut name) = (0, 0, String::new());
    let numeric = user.parse::<u32>().ok();
    let found = users.iter().find(|e| match numeric {
        Some(n) => e.id == n,
        None => e.name == user,
    });
    match (found, numeric) {
        (Some(e), _) => {
            uid = e.id;
            gid = e.gid;
            name = e.name.clone();
        }
        (None, Some(n)) => uid = n,
        (None, None) if user.is_empty() => {}
        (None, None) => {
            return Err(CopyError::new(format!(
                "unable to find user {user}: no matching entries in passwd file"
            )));
        }
    }
    let group = group.filter(|g| !g.is_empty());
    let mut sgids = Vec::new();
    if group.is_some() || !name.is_empty() {
        let groups = read_db(rootfs, "group")?.unwrap_or_default();
        match group {
            Some(g) => {
                let gnum = g.parse::<u32>().ok();
                let hit = groups.iter().find(|e| match gnum {
                    Some(n) => e.gid == n,
                    None => e.name == g,
                });
                gid = match (hit, gnum) {
                    (Some(e), _) => e.gid,
                    (None, Some(n)) => n,
                    (None, None) => {
                        return Err(CopyError::new(format!(
                            "unable to find group {g}: no matching entries in group file"
                        )));
                    }
                };
            }
            None => {
                sgids = groups
                    .iter()
                    .filter(|e| e.members.contains(&name))
                    .map(|e| e.gid)
                    .collect();
            }
        }
    }
    Ok((uid, gid, sgids))
}

/// Resolves a `--chown` value as BuildKit's file backend does: a numeric
/// user also sets the group; a name takes its uid and primary gid from the
/// destination's `/etc/passwd` (an unknown name leaves 0:0, as Docker 20.10
/// does); a group name or number then replaces the gid (an unknown name
/// leaves it). A name with no `/etc/passwd` or `/etc/group` to look in is an
/// error.
pub(super) fn resolve_chown(rootfs: &Path, spec: &str) -> Result<(u32, u32), CopyError> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let (mut uid, mut gid) = (0, 0);
    if !user.is_empty() {
        if let Ok(n) = user.parse::<u32>() {
            (uid, gid) = (n, n);
        } else {
            let users = read_db(rootfs, "passwd")?.ok_or_else(|| {
                CopyError::new(format!(
                    "unable to find user {user}: /etc/passwd does not exist"
                ))
            })?;
            if let Some(e) = users.iter().find(|e| e.name == user) {
                (uid, gid) = (e.id, e.gid);
            }
        }
    }
    if let Some(g) = group.filter(|g| !g.is_empty()) {
        if let Ok(n) = g.parse::<u32>() {
            gid = n;
        } else {
            let groups = read_db(rootfs, "group")?.ok_or_else(|| {
                CopyError::new(format!(
                    "unable to find group {g}: /etc/group does not exist"
                ))
            })?;
            if let Some(e) = groups.iter().find(|e| e.name == g) {
                gid = e.gid;
            }
        }
    }
    Ok((uid, gid))
}
