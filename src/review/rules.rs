//! The finding catalogue of domain.md §7.

use super::score::FundsReview;
use super::{Finding, Profile, Review};
use crate::model::Imported;

pub fn findings(
    imported: &Imported,
    review: &Review,
    funds: &FundsReview,
    profile: &Profile,
) -> Vec<Finding> {
    let _ = (imported, review, funds, profile);
    Vec::new()
}
