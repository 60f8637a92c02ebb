//! Names that can only be built valid ("parse, don't validate").

use std::fmt;

/// Why a name or path was refused; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NameError(pub String);

/// A container name: 1–255 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerName(String);

impl ContainerName {
    /// Accepts what MediaStore accepts (`[\w-]{1,255}`).
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s.is_empty() || s.len() > 255 {
            return Err(NameError(format!(
                "Container name must be 1 to 255 characters long, got {}",
                s.len()
            )));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(NameError(format!(
                "Container name may contain only letters, digits, '_' and '-', found {c:?}"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `arn:aws:mediastore:<region>:<account>:container/<name>`
    pub fn arn(&self, region: &str, account: &str) -> String {
        format!("arn:aws:mediastore:{region}:{account}:container/{}", self.0)
    }

    /// Recover the name from a container ARN, if it is one (any region/account).
    pub fn from_arn(arn: &str) -> Option<Self> {
        let rest = arn.strip_prefix("arn:aws:mediastore:")?;
        let mut parts = rest.splitn(3, ':');
        let (_region, _account, resource) = (parts.next()?, parts.next()?, parts.next()?);
        Self::parse(resource.strip_prefix("container/")?).ok()
    }
}

impl fmt::Display for ContainerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const MAX_PATH_LEN: usize = 900;
const MAX_FOLDER_DEPTH: usize = 10;

fn check_segment(seg: &str, whole: &str) -> Result<(), NameError> {
    if seg.is_empty() {
        return Err(NameError(format!("Path {whole:?} has an empty segment")));
    }
    if seg == "." || seg == ".." {
        return Err(NameError(format!(
            "Path {whole:?} may not contain '.' or '..' segments"
        )));
    }
    if let Some(c) = seg
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '~')))
    {
        return Err(NameError(format!(
            "Path {whole:?} contains {c:?}; allowed are letters, digits and _ . - ~"
        )));
    }
    Ok(())
}

/// An object path inside a container: up to 10 folders and a file name, each
/// segment of `[A-Za-z0-9_.~-]`, no `.`/`..`, at most 900 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectPath(String);

impl ObjectPath {
    /// Accepts what MediaStore's `PathNaming` pattern accepts, minus `.`/`..`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s.is_empty() {
            return Err(NameError("Path must not be empty".into()));
        }
        if s.len() > MAX_PATH_LEN {
            return Err(NameError(format!(
                "Path is {} characters; at most {MAX_PATH_LEN} are allowed",
                s.len()
            )));
        }
        let segments: Vec<&str> = s.split('/').collect();
        if segments.len() > MAX_FOLDER_DEPTH + 1 {
            return Err(NameError(format!(
                "Path {s:?} is nested more than {MAX_FOLDER_DEPTH} folders deep"
            )));
        }
        for seg in &segments {
            check_segment(seg, s)?;
        }
        Ok(Self(s.to_owned()))
    }

    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Key of this object in the blob store: `<container>/<path>`.
    pub fn blob_key(&self, container: &ContainerName) -> String {
        format!("{}/{}", container.as_str(), self.0)
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A folder path for ListItems: empty (the container root) or segments like
/// an [`ObjectPath`]; leading and trailing `/` are accepted and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FolderPath(String);

impl FolderPath {
    /// Accepts MediaStore's `ListPathNaming`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s.len() > MAX_PATH_LEN {
            return Err(NameError(format!(
                "Path is {} characters; at most {MAX_PATH_LEN} are allowed",
                s.len()
            )));
        }
        let trimmed = s.strip_prefix('/').unwrap_or(s);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Ok(Self::default());
        }
        let segments: Vec<&str> = trimmed.split('/').collect();
        if segments.len() > MAX_FOLDER_DEPTH + 1 {
            return Err(NameError(format!(
                "Path {s:?} is nested more than {MAX_FOLDER_DEPTH} folders deep"
            )));
        }
        for seg in &segments {
            check_segment(seg, s)?;
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The folder without leading/trailing `/`; empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Blob-store prefix listing this folder's children: `<container>/` or
    /// `<container>/<folder>/`.
    pub fn blob_prefix(&self, container: &ContainerName) -> String {
        if self.0.is_empty() {
            format!("{}/", container.as_str())
        } else {
            format!("{}/{}/", container.as_str(), self.0)
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn container_names_follow_the_model_pattern() {
        assert!(ContainerName::parse("live_1-a").is_ok());
        assert!(ContainerName::parse("").is_err());
        assert!(ContainerName::parse("has space").is_err());
        assert!(ContainerName::parse("dot.name").is_err());
        assert!(ContainerName::parse(&"a".repeat(256)).is_err());
    }

    #[test]
    fn container_arn_round_trips() {
        let n = ContainerName::parse("live").unwrap();
        let arn = n.arn("us-east-1", "123456789012");
        assert_eq!(
            arn,
            "arn:aws:mediastore:us-east-1:123456789012:container/live"
        );
        assert_eq!(ContainerName::from_arn(&arn), Some(n));
        assert_eq!(ContainerName::from_arn("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn object_paths_reject_traversal_empty_and_control_characters() {
        assert!(ObjectPath::parse("a/b/c.ts").is_ok());
        assert!(ObjectPath::parse("../etc/passwd").is_err());
        assert!(ObjectPath::parse("a/./b").is_err());
        assert!(ObjectPath::parse("a//b").is_err());
        assert!(ObjectPath::parse("/a").is_err());
        assert!(ObjectPath::parse("a/").is_err());
        assert!(ObjectPath::parse("a\u{1}b").is_err());
        assert!(ObjectPath::parse("a b").is_err());
        assert!(ObjectPath::parse(&"x".repeat(901)).is_err());
    }

    #[test]
    fn object_paths_allow_ten_folders_and_no_more() {
        let ok = format!("{}f", "d/".repeat(10));
        assert!(ObjectPath::parse(&ok).is_ok());
        let deep = format!("{}f", "d/".repeat(11));
        assert!(ObjectPath::parse(&deep).is_err());
    }

    #[test]
    fn folder_paths_accept_slashes_at_either_end() {
        let c = ContainerName::parse("c").unwrap();
        assert_eq!(FolderPath::parse("").unwrap().blob_prefix(&c), "c/");
        assert_eq!(FolderPath::parse("/").unwrap().blob_prefix(&c), "c/");
        assert_eq!(
            FolderPath::parse("/a/b/").unwrap().blob_prefix(&c),
            "c/a/b/"
        );
        assert!(FolderPath::parse("a/../b").is_err());
    }
}
