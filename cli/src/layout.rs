//! Where each output goes. File and folder names can carry PHI (`SMITH_JOHN/IMG001.dcm`), so
//! besides mirroring the input tree the outputs can be numbered, or named by their pseudonymised
//! UIDs as a PACS export would be. A folder holding a DICOMDIR is a media set (a patient CD): its
//! files stay together, under PS3.10 file names when renamed, and its DICOMDIR is sanitized last,
//! to describe exactly the files written.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use dicom_sanitizer::{IdentifyingValue, Limits, Names, Sanitizer};
use dicom_sanitizer_files as files;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Layout {
    /// The input tree's shape, with every file or folder name that holds an identifying value
    /// of an input (or a date or a UID) replaced by its keyed pseudonym.
    Mirror,
    /// `000001.dcm`, … in input order; media sets as `SET001/DICOMDIR` and `SET001/DICOM/IM000001`.
    Numbered,
    /// `STUDY_UID/SERIES_UID/INSTANCE_UID.dcm` from the sanitized file's pseudonymised UIDs;
    /// media sets as with `numbered` (PS3.10 allows no UID file names on media).
    Uids,
}

/// What an input is, for naming its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Not in a media set.
    Alone,
    /// A file of media set `set`.
    Member { set: usize },
    /// The DICOMDIR of media set `set`.
    Directory(usize),
}

/// The outputs' names for one run.
pub(crate) struct Plan {
    layout: Layout,
    /// Under `mirror`: each job's output path, its identifying names pseudonymised.
    mirrored: Vec<PathBuf>,
    pub roles: Vec<Role>,
    /// Each media set's folder, relative to its input root, and under `mirror` its output folder.
    sets: Vec<PathBuf>,
    mirrored_sets: Vec<PathBuf>,
    /// Outputs numbered so far: alone, and per media set.
    alone: usize,
    members: Vec<usize>,
}

impl Plan {
    /// `jobs` are (input path, path relative to its input root), sorted; `mirrored` their
    /// output paths under `mirror` (else empty).
    pub fn new(jobs: &[(PathBuf, PathBuf)], layout: Layout, mirrored: Vec<PathBuf>) -> Plan {
        let is_dir = |rel: &Path| {
            rel.file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("DICOMDIR"))
        };
        let parent = |p: &Path| p.parent().unwrap_or(Path::new("")).to_path_buf();
        let directories = (0..jobs.len()).filter(|&i| is_dir(&jobs[i].1));
        let sets: Vec<PathBuf> = directories.clone().map(|i| parent(&jobs[i].1)).collect();
        let mirrored_sets = directories
            .filter_map(|i| mirrored.get(i))
            .map(|p| parent(p))
            .collect();
        let roles = jobs
            .iter()
            .map(|(_, rel)| {
                // The innermost media set holding the file.
                let set = (0..sets.len())
                    .filter(|&s| rel.starts_with(&sets[s]))
                    .max_by_key(|&s| sets[s].components().count());
                match set {
                    Some(s) if is_dir(rel) && rel.parent() == Some(&sets[s]) => Role::Directory(s),
                    Some(s) => Role::Member { set: s },
                    None => Role::Alone,
                }
            })
            .collect();
        let members = vec![0; sets.len()];
        Plan {
            layout,
            mirrored,
            roles,
            sets,
            mirrored_sets,
            alone: 0,
            members,
        }
    }

    /// The output path (relative to `--out`) of job `i` where it is known before the file is
    /// sanitized: numbers are given as outputs are written, so that they have no gaps, and
    /// UIDs are read from the sanitized file ([`Plan::name`]).
    pub fn destination(&self, i: usize) -> Option<PathBuf> {
        match (self.layout, self.roles[i]) {
            (Layout::Mirror, _) => Some(self.mirrored[i].clone()),
            (_, Role::Directory(s)) => Some(self.set_root(s).join("DICOMDIR")),
            _ => None,
        }
    }

    /// The output path of job `i`, sanitized into `tmp`; called in input order.
    pub fn name(&mut self, i: usize, tmp: &Path) -> Result<PathBuf, String> {
        if let Some(known) = self.destination(i) {
            return Ok(known);
        }
        Ok(match self.roles[i] {
            Role::Alone if self.layout == Layout::Uids => files::uid_path(tmp)?,
            Role::Alone => {
                self.alone += 1;
                PathBuf::from(format!("{:06}.dcm", self.alone))
            }
            Role::Member { set } => {
                self.members[set] += 1;
                let n = self.members[set];
                self.set_root(set).join("DICOM").join(format!("IM{n:06}"))
            }
            Role::Directory(s) => self.set_root(s).join("DICOMDIR"),
        })
    }

    /// The output folder of media set `s`, relative to `--out`: Referenced File IDs are
    /// relative to it.
    pub fn set_root(&self, s: usize) -> PathBuf {
        match self.layout {
            Layout::Mirror => self.mirrored_sets[s].clone(),
            _ => PathBuf::from(format!("SET{:03}", s + 1)),
        }
    }

    /// Media set `s`'s input folder (relative to its input root).
    pub fn set_input(&self, s: usize) -> &Path {
        &self.sets[s]
    }
}

/// The mirrored output paths of `jobs` (as [`Plan::new`] takes them): the identifying values
/// of every input are read first (headers only, on `threads` threads), so that a folder is
/// renamed for what any file of the run holds, the same in the tree and in its DICOMDIR.
pub(crate) fn mirror(s: &Sanitizer, jobs: &[(PathBuf, PathBuf)], threads: usize) -> Vec<PathBuf> {
    let mut names = Names::new();
    crate::in_order(
        jobs,
        threads,
        |(input, _), _| naming_values(s, input),
        |_, values| names.add(&values),
    );
    let paths: Vec<Vec<String>> = jobs
        .iter()
        .map(|(_, rel)| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .collect();
    s.mirror_names(&names, &paths)
        .into_iter()
        .map(|components| components.iter().collect())
        .collect()
}

/// The values a file's name must not hold, from its first MiB (or as much of the header as the
/// default limits let a header be); none for what is not DICOM or cannot be read (its name still loses dates and
/// UIDs).
fn naming_values(s: &Sanitizer, input: &Path) -> Vec<IdentifyingValue> {
    let mut head = Vec::new();
    for cap in [1 << 20, Limits::default().max_input_bytes as usize + 1] {
        let Ok(file) = std::fs::File::open(input) else {
            return Vec::new();
        };
        head.clear();
        if file.take(cap as u64).read_to_end(&mut head).is_err() {
            return Vec::new();
        }
        match s.naming_values(&head) {
            Ok(v) => return v,
            Err(e) if e.code() == "read.truncated" && head.len() == cap => continue,
            Err(_) => return Vec::new(),
        }
    }
    Vec::new()
}

/// A media set's written files, by their input path relative to the set's folder (upper case,
/// `/`-separated, as Referenced File IDs are compared on media), with their new File ID.
#[derive(Default)]
pub(crate) struct Written(HashMap<String, Vec<String>>);

impl Written {
    pub fn add(&mut self, input_in_set: &Path, output_in_set: &Path) {
        let id = |p: &Path| -> Vec<String> {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect()
        };
        self.0
            .insert(id(input_in_set).join("/").to_uppercase(), id(output_in_set));
    }

    /// The new File ID of a record's Referenced File ID, or `None` when that file was not
    /// written (refused, skipped, or not on the media).
    pub fn rename(&self, old: &[String]) -> Option<Vec<String>> {
        self.0.get(&old.join("/").to_uppercase()).cloned()
    }
}
