//! The mappings an import chooses from: the built-ins, and a user's own
//! mappings added to them (`--mapping`, a `mappings/` folder), which are
//! tried first on every sheet.

use std::path::{Path, PathBuf};

use super::detect::{self, Planned};
use super::resolve::{builtins, Mapping};
use super::{read_plan, ImportError, MappingError};
use crate::model::Imported;
use crate::source::{self, Workbook};

/// The `origin` of a built-in mapping.
const BUILTIN: &str = "builtin";

/// The mappings detection picks from for each sheet.
///
/// A user's mapping is preferred wherever all its anchors match; other
/// sheets get the best built-in one, so adding a mapping for one odd form
/// leaves every other form as it was. A user's mapping with the id of a
/// built-in one takes its place (and its rank on a tie).
///
/// ```
/// use jixiao::mapping::{Catalog, Mapping};
/// let mut catalog = Catalog::default();
/// let text = "id = \"mine\"\nname = \"我的表\"\nextends = \"mof-2020\"\n";
/// catalog.add(Mapping::from_toml(text, "mine.toml".as_ref()).unwrap()).unwrap();
/// assert_eq!(catalog.own().len(), 1);
/// // A second mapping with the same id is refused, naming both.
/// let again = Mapping::from_toml(text, "again.toml".as_ref()).unwrap();
/// assert!(catalog.add(again).unwrap_err().to_string().contains("mine.toml"));
/// ```
#[derive(Clone, Debug)]
pub struct Catalog {
    own: Vec<Mapping>,
    /// Whether the built-ins take part (`--only-mappings` leaves them out).
    builtins: bool,
    /// The folders mappings were loaded from.
    dirs: Vec<PathBuf>,
}

impl Default for Catalog {
    /// The built-in mappings alone.
    fn default() -> Self {
        Catalog {
            own: Vec::new(),
            builtins: true,
            dirs: Vec::new(),
        }
    }
}

impl Catalog {
    /// Adds a mapping, tried before the built-ins and before any added
    /// later. Two added mappings with one id are refused.
    pub fn add(&mut self, mapping: Mapping) -> Result<(), MappingError> {
        if let Some(first) = self.own.iter().find(|m| m.id == mapping.id) {
            // The same file reached twice (named, and in a folder) is one.
            if same_file(&first.origin, &mapping.origin) {
                return Ok(());
            }
            return Err(MappingError::Syntax {
                file: PathBuf::from(&mapping.origin),
                message: format!(
                    "mapping id {:?} is already used by {}",
                    mapping.id, first.origin
                ),
            });
        }
        self.own.push(mapping);
        Ok(())
    }

    /// Adds every `*.toml` file directly in `dir`, in name order.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), MappingError> {
        let io = |source| MappingError::Io {
            file: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
            .iter()
            .try_for_each(|file| self.add(Mapping::load(file)?))?;
        self.dirs.push(dir.to_path_buf());
        Ok(())
    }

    /// The folders [`Catalog::add_dir`] loaded, which hold mappings, not
    /// forms.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Leaves the built-ins out: only the added mappings are tried, and a
    /// single one is applied to the sheets it selects even without its
    /// anchors, as `import_file` with that mapping does.
    pub fn only(mut self) -> Self {
        self.builtins = false;
        self
    }

    /// The added mappings, in the order they are tried.
    pub fn own(&self) -> &[Mapping] {
        &self.own
    }

    /// Reads the file at `path` and imports every form in it.
    pub fn import_file(&self, path: &Path) -> Result<Vec<Imported>, ImportError> {
        self.import(&source::open(path)?)
    }

    /// Imports every form of `workbook`, one record per matching sheet.
    pub fn import(&self, workbook: &Workbook) -> Result<Vec<Imported>, ImportError> {
        read_plan(workbook, self.plan(workbook)?)
    }

    fn plan<'m>(&'m self, workbook: &Workbook) -> Result<Vec<Planned<'m>>, ImportError> {
        let own: Vec<&Mapping> = self.own.iter().collect();
        if !self.builtins {
            return match own.as_slice() {
                [one] => detect::plan_with(workbook, one),
                _ => detect::plan_among(workbook, &own, &[]),
            };
        }
        // A file with a built-in's id takes that one's place, and its rank
        // among the built-ins on a tie; a built-in named by its id is
        // preferred like any added mapping.
        let is_file = |m: &Mapping| m.origin != BUILTIN;
        let replacing = |m: &Mapping| self.own.iter().find(|o| o.id == m.id && is_file(o));
        let others: Vec<&Mapping> = builtins()
            .iter()
            .map(|m| replacing(m).unwrap_or(m))
            .collect();
        let own: Vec<&Mapping> = own
            .into_iter()
            .filter(|o| !is_file(o) || !builtins().iter().any(|b| b.id == o.id))
            .collect();
        detect::plan_among(workbook, &own, &others)
    }
}

fn same_file(a: &str, b: &str) -> bool {
    let canonical = |p: &str| std::fs::canonicalize(p).ok();
    a == b || canonical(a).is_some_and(|a| Some(a) == canonical(b))
}
