//! Where caller tokens come from: the `GATEWAY_TOKENS` list, fixed at start, and `GATEWAY_TOKENS_FILE`, which
//! Kubernetes and Docker rotate by swapping the file. Reading is blocking file I/O: call it off actix workers.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::tokens::Tokens;

/// The fixed list and the file that together make the known tokens.
#[derive(Debug, Clone, Default)]
pub struct TokenSources {
    /// Entries of `GATEWAY_TOKENS` (digests only), kept across reloads of the file.
    pub listed: Tokens,
    /// `GATEWAY_TOKENS_FILE`, read at start and again whenever it changes.
    pub file: Option<PathBuf>,
    /// The file's stamp taken just before it was read at start: a change from then on is noticed.
    pub read_at: Option<FileStamp>,
}

impl TokenSources {
    /// The file's stamp now, when there is a file and it can be looked at.
    pub fn stamp(&self) -> Option<FileStamp> {
        self.file
            .as_deref()
            .and_then(|path| FileStamp::of(path).ok())
    }

    /// The list and the file's entries merged; `None` when neither holds a token (open mode). A file that
    /// cannot be read, holds no token or has a bad line is an error naming the line, never a token.
    pub fn read(&self) -> Result<Option<Tokens>, String> {
        let mut tokens = self.listed.clone();
        if let Some(path) = &self.file {
            let content = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "GATEWAY_TOKENS_FILE '{}' cannot be read: {e}",
                    path.display()
                )
            })?;
            let label = format!("GATEWAY_TOKENS_FILE '{}' line", path.display());
            if tokens.add_list(&content, '\n', &label)? == 0 {
                return Err(format!(
                    "GATEWAY_TOKENS_FILE '{}' holds no token",
                    path.display()
                ));
            }
        }
        Ok((!tokens.is_empty()).then_some(tokens))
    }
}

/// What changes when a file is replaced or rewritten: cheap to read (one `stat`), unlike the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    /// Device and inode: a file swapped in by rename (or a re-pointed symlink) is another inode,
    /// even when its size and time match the old one's.
    #[cfg(unix)]
    identity: (u64, u64),
}

impl FileStamp {
    /// The stamp of the file at `path` (following symlinks, as Kubernetes' secret volumes need).
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let metadata = std::fs::metadata(path)?;
        Ok(Self {
            modified: metadata.modified().ok(),
            len: metadata.len(),
            #[cfg(unix)]
            identity: {
                use std::os::unix::fs::MetadataExt;
                (metadata.dev(), metadata.ino())
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(listed: &str, file: Option<&Path>) -> TokenSources {
        let mut tokens = Tokens::default();
        tokens.add_list(listed, ',', "test").unwrap();
        TokenSources {
            listed: tokens,
            file: file.map(Path::to_path_buf),
            read_at: None,
        }
    }

    #[test]
    fn the_list_and_the_file_combine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# apps\nreports:tok-r\n").unwrap();
        let tokens = sources("ops:tok-o", Some(&path)).read().unwrap().unwrap();
        assert_eq!(&*tokens.find("tok-r").unwrap().name, "reports");
        assert_eq!(&*tokens.find("tok-o").unwrap().name, "ops");
    }

    #[test]
    fn a_file_without_tokens_or_with_a_bad_line_is_an_error_naming_the_line_not_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# nothing\n").unwrap();
        let empty = sources("", Some(&path)).read().unwrap_err();
        assert!(empty.contains("holds no token"), "{empty}");
        std::fs::write(&path, "a:tok-secret-1\nb:tok-secret-2:bogus\n").unwrap();
        let bad = sources("", Some(&path)).read().unwrap_err();
        assert!(bad.contains("line 2"), "{bad}");
        assert!(!bad.contains("tok-secret"), "{bad}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_swapped_in_by_rename_has_another_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let (path, next) = (dir.path().join("tokens"), dir.path().join("tokens.new"));
        std::fs::write(&path, "a:tok-1\n").unwrap();
        let before = FileStamp::of(&path).unwrap();
        assert_eq!(FileStamp::of(&path).unwrap(), before);
        // Same size, and possibly the same mtime to the filesystem's resolution: only the inode differs.
        std::fs::write(&next, "a:tok-2\n").unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_ne!(FileStamp::of(&path).unwrap(), before);
    }
}
