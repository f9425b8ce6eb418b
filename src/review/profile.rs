//! The review profile: grade cut-offs, standard weights, qualitative bands,
//! formula variants and thresholds, read from TOML. `profiles/default.toml`
//! is embedded and is the base every bureau profile overrides key by key.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

use super::value::Comparator;
use super::Grade;

const DEFAULT: &str = include_str!("../../profiles/default.toml");

/// The built-in profiles besides the default, each naming the mapping
/// families it is the default for (`mappings = [...]`).
const BUILT_IN: &[&str] = &[include_str!("../../profiles/hubei-2020.toml")];

/// Why a profile could not be loaded. Names the file.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{path}: cannot read profile: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid profile: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Scoring bands, weights and thresholds; a bureau may override them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    /// The budget year under review: a form of another year is reported (C7).
    #[serde(default)]
    pub year: Option<i32>,
    /// The mappings (ids) whose forms are reviewed under this profile when
    /// no profile is chosen (`hubei-2020` → the 湖北 profile).
    #[serde(default)]
    pub mappings: Vec<String>,
    /// Whether this is the default profile nobody chose: a record whose
    /// mapping a built-in profile names is then reviewed under that one.
    #[serde(skip)]
    pub replaceable: bool,
    pub grades: GradeBands,
    pub weights: StandardWeights,
    pub qualitative: QualitativeBands,
    pub quantitative: QuantitativeRules,
    pub thresholds: Thresholds,
}

/// Lower bounds (inclusive) of 优 / 良 / 中.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBands {
    pub excellent: Decimal,
    pub good: Decimal,
    pub fair: Decimal,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardWeights {
    pub funds: Decimal,
    pub output: Decimal,
    pub benefit: Decimal,
    pub satisfaction: Decimal,
    pub total: Decimal,
}

/// Lower bounds of the 达成 and 部分达成 bands, as fractions of the 分值.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualitativeBands {
    pub achieved: Decimal,
    pub partial: Decimal,
    pub strict: bool,
}

/// How a reverse (`≤`) indicator is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReverseFormula {
    /// A ÷ B × 分值, capped at 分值.
    Ratio,
    /// Full up to A, then (1 − (B − A) ÷ A) × 分值, 0 from 2A.
    Linear,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantitativeRules {
    pub reverse: ReverseFormula,
    pub default_comparator: Comparator,
    pub over_achievement: Decimal,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub score_tolerance: Decimal,
    pub funds_rounding: Decimal,
    pub execution_rate_explain: Decimal,
    pub max_indicator_share: Decimal,
    pub min_quantitative_share: Decimal,
    pub min_satisfaction_target: Decimal,
    /// All indicators at full marks with an execution rate below this is
    /// called inflated (P7); 97.8% is not.
    pub inflated_rate: Decimal,
}

impl Default for Profile {
    fn default() -> Self {
        // Embedded and covered by a test: a failure is a build defect.
        let mut profile: Profile =
            toml::from_str(DEFAULT).expect("embedded profiles/default.toml is valid");
        profile.replaceable = true;
        profile
    }
}

/// The built-in profiles, parsed once.
fn built_in() -> &'static [Profile] {
    static PROFILES: std::sync::LazyLock<Vec<Profile>> = std::sync::LazyLock::new(|| {
        BUILT_IN
            .iter()
            // Embedded and covered by a test: a failure is a build defect.
            .map(|text| Profile::from_toml(text).expect("embedded profile is valid"))
            .collect()
    });
    &PROFILES
}

impl Profile {
    /// Reads a profile file; keys it leaves out keep the default.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Profile::from_toml(&text).map_err(|message| ProfileError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses profile text over the default profile.
    pub fn from_toml(text: &str) -> Result<Profile, String> {
        let mut base: toml::Table = toml::from_str(DEFAULT).map_err(|e| e.to_string())?;
        let overrides: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        merge(&mut base, overrides);
        let profile: Profile = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        profile.validate()?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), String> {
        let g = &self.grades;
        if !(g.excellent >= g.good && g.good >= g.fair) {
            return Err("[grades] must satisfy excellent ≥ good ≥ fair".into());
        }
        let q = &self.qualitative;
        if !(Decimal::ONE >= q.achieved && q.achieved >= q.partial && q.partial >= Decimal::ZERO) {
            return Err("[qualitative] must satisfy 1 ≥ achieved ≥ partial ≥ 0".into());
        }
        Ok(())
    }

    /// The profile a record read through `mapping` is reviewed under: this
    /// one when it was chosen (`--profile`), else the built-in profile that
    /// names the mapping, else this one.
    pub fn for_mapping(&self, mapping: Option<&str>) -> &Profile {
        if !self.replaceable {
            return self;
        }
        mapping
            .and_then(|id| {
                built_in()
                    .iter()
                    .find(|p| p.mappings.iter().any(|m| m == id))
            })
            .unwrap_or(self)
    }

    /// The grade of a 100-point total under these cut-offs.
    pub fn grade(&self, total: Decimal) -> Grade {
        let g = &self.grades;
        if total >= g.excellent {
            Grade::Excellent
        } else if total >= g.good {
            Grade::Good
        } else if total >= g.fair {
            Grade::Fair
        } else {
            Grade::Poor
        }
    }
}

/// Overlays `overrides` on `base`, table by table.
fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn default_profile_is_the_2020_rules() {
        let p = Profile::default();
        assert_eq!(p.grades.excellent, dec!(90));
        assert_eq!(p.qualitative.partial, dec!(0.6));
        assert_eq!(p.quantitative.reverse, ReverseFormula::Ratio);
        assert_eq!(p.grade(dec!(89.99)), Grade::Good);
        assert_eq!(p.grade(dec!(90)), Grade::Excellent);
        assert_eq!(p.grade(dec!(59.99)), Grade::Poor);
    }

    #[test]
    fn overrides_keep_the_rest() {
        let p = Profile::from_toml(
            "[qualitative]\npartial = 0.5\n[quantitative]\nreverse = \"linear\"\n[grades]\nexcellent = \"80\"\ngood = \"70\"",
        )
        .unwrap();
        assert_eq!(p.qualitative.partial, dec!(0.5));
        assert_eq!(p.qualitative.achieved, dec!(0.8));
        assert_eq!(p.quantitative.reverse, ReverseFormula::Linear);
        assert_eq!(p.grade(dec!(85)), Grade::Excellent);
    }

    #[test]
    fn the_mapping_picks_its_built_in_profile_unless_one_was_chosen() {
        let default = Profile::default();
        let hubei = default.for_mapping(Some("hubei-2020"));
        assert_eq!(hubei.weights.funds, dec!(20));
        assert_eq!(hubei.qualitative.partial, dec!(0.5));
        assert_eq!(default.for_mapping(Some("mof-2020")).name, default.name);
        assert_eq!(default.for_mapping(None).name, default.name);
        let chosen = Profile::from_toml("name = \"mine\"").unwrap();
        assert_eq!(chosen.for_mapping(Some("hubei-2020")).name, "mine");
    }

    #[test]
    fn bad_profiles_are_refused() {
        assert!(Profile::from_toml("[grades]\nexcellent = \"50\"").is_err());
        assert!(Profile::from_toml("[grades]\nexcelent = \"90\"").is_err());
        assert!(Profile::from_toml("[quantitative]\nreverse = \"cubic\"").is_err());
        assert!(Profile::from_toml("name = [").is_err());
    }
}
