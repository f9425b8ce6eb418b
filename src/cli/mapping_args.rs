//! The mapping options every command that imports forms shares, and where
//! mapping files are looked for.

use std::path::PathBuf;

use super::Error;
use crate::batch::inputs;
use crate::mapping::{Catalog, Mapping};

/// The environment variable naming folders of mapping files (separated as
/// in `PATH`).
pub const ENV: &str = "JIXIAO_MAPPINGS";

#[derive(clap::Args, Debug, Clone, Default)]
pub struct MappingArgs {
    /// A mapping file or built-in id, tried before the built-ins on every
    /// sheet; may be given several times.
    #[arg(long = "mapping", short = 'm', value_name = "PATH|ID")]
    mappings: Vec<String>,
    /// A folder of mapping files (*.toml) to add; may be given several
    /// times. Also read: JIXIAO_MAPPINGS, and a `mappings/` folder among the
    /// inputs.
    #[arg(long, value_name = "DIR")]
    mappings_dir: Vec<PathBuf>,
    /// Use only the mappings named with --mapping, not the built-ins.
    #[arg(long, requires = "mappings")]
    only_mappings: bool,
}

impl MappingArgs {
    /// The built-ins plus, in this order of preference, the mappings named,
    /// those in the folders named, in `JIXIAO_MAPPINGS`, and in a
    /// `mappings/` folder among `inputs`.
    pub fn catalog(&self, inputs: &[PathBuf]) -> Result<Catalog, Error> {
        let mapping_error = |e: crate::mapping::MappingError| Error::Import(e.into());
        let mut catalog = Catalog::default();
        for arg in &self.mappings {
            catalog
                .add(Mapping::from_arg(arg).map_err(mapping_error)?)
                .map_err(mapping_error)?;
        }
        if self.only_mappings {
            return Ok(catalog.only());
        }
        let from_env = std::env::var_os(ENV)
            .map(|v| std::env::split_paths(&v).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut seen: Vec<PathBuf> = Vec::new();
        let dirs = self
            .mappings_dir
            .iter()
            .chain(from_env.iter().filter(|d| !d.as_os_str().is_empty()))
            .cloned()
            .chain(inputs::mapping_dirs(inputs));
        for dir in dirs {
            let real = inputs::canonical(&dir);
            if !seen.contains(&real) {
                catalog.add_dir(&dir).map_err(mapping_error)?;
                seen.push(real);
            }
        }
        Ok(catalog)
    }
}
