//! Code registries: each crate lists every code it has ever issued, so that a code is never reused.
//!
//! The rules, checked by [`check_registry`] in each owning crate's tests (use [`crate::registry_test!`]):
//! - a crate declares its codes with [`crate::codes!`], which defines one constant per code and the table;
//! - every code of the table lies in one range of [`RANGES`], and that range belongs to the crate;
//! - the table is dense and ascending from the range's first number: a new code is the next number,
//!   appended at the end; a code that is no longer issued is marked `retired` and stays listed. Deleting an
//!   entry leaves a gap and reusing a number makes a duplicate, so both fail the test.

use crate::code::{Area, Code};
use std::fmt::Write as _;

/// One registered code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: Code,
    /// The name of the constant that holds the code.
    pub name: &'static str,
    /// A short title: what kind of problem the code means, the same for every occurrence.
    pub title: &'static str,
    /// No longer issued; the number stays taken.
    pub retired: bool,
}

/// A block of numbers in one area, owned by one crate (by its package name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRange {
    pub area: Area,
    pub first: u16,
    pub last: u16,
    pub owner: &'static str,
}

impl CodeRange {
    pub fn contains(&self, code: Code) -> bool {
        code.area == self.area && (self.first..=self.last).contains(&code.number)
    }
}

/// Who owns which numbers. A crate that needs codes claims a new range here (ranges never overlap and are
/// never given to another crate).
pub static RANGES: &[CodeRange] = &[
    CodeRange {
        area: Area::Plan,
        first: 1,
        last: 999,
        owner: "writ-compiler",
    },
    CodeRange {
        area: Area::Plan,
        first: 1000,
        last: 1999,
        owner: "writ-plan",
    },
    CodeRange {
        area: Area::Schema,
        first: 1,
        last: 999,
        owner: "writ-schema",
    },
    CodeRange {
        area: Area::Ladder,
        first: 1,
        last: 999,
        owner: "writ-ladder",
    },
    // Workload packs: one block of the ladder's area each, for their checks.
    CodeRange {
        area: Area::Ladder,
        first: 1300,
        last: 1399,
        owner: "writ-pack-site-build",
    },
    CodeRange {
        area: Area::Ladder,
        first: 2101,
        last: 2199,
        owner: "writ-pack-resume-screening",
    },
    CodeRange {
        area: Area::Runtime,
        first: 1,
        last: 999,
        owner: "writ-run",
    },
    CodeRange {
        area: Area::Catalog,
        first: 1,
        last: 999,
        owner: "writ-catalog",
    },
    CodeRange {
        area: Area::Api,
        first: 1,
        last: 999,
        owner: "writ-worker",
    },
];

/// The range a code falls in.
pub fn range_of(code: Code) -> Option<&'static CodeRange> {
    RANGES.iter().find(|range| range.contains(code))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryProblem {
    #[error("{code} lies in no range of writ_diag::RANGES; claim a range there first")]
    OutsideRanges { code: Code },
    #[error("{code} is in the range of {other_owner}, but this table's first code is in the range of {owner}")]
    MixedRanges {
        code: Code,
        owner: &'static str,
        other_owner: &'static str,
    },
    #[error("{code} is listed twice: a code is never reused, not even a retired one")]
    Duplicate { code: Code },
    #[error("expected {expected} at position {position}, found {found}: codes are appended in order and never deleted (mark a code `retired` instead)")]
    NotDense {
        position: usize,
        expected: Code,
        found: Code,
    },
    #[error("{code} has an empty title")]
    EmptyTitle { code: Code },
    #[error("{code} has a number above 9999")]
    TooLarge { code: Code },
    #[error("the table belongs to {owner} but is declared in {crate_name}")]
    WrongOwner {
        owner: &'static str,
        crate_name: String,
    },
}

/// Every rule the table breaks (empty when it is sound).
pub fn check_registry(codes: &[CodeInfo]) -> Vec<RegistryProblem> {
    let mut problems = Vec::new();
    let Some(first) = codes.first() else {
        return problems;
    };
    let Some(range) = range_of(first.code) else {
        problems.push(RegistryProblem::OutsideRanges { code: first.code });
        return problems;
    };
    let mut seen = std::collections::BTreeSet::new();
    for (position, info) in codes.iter().enumerate() {
        let code = info.code;
        if code.number > 9999 {
            problems.push(RegistryProblem::TooLarge { code });
        }
        if info.title.trim().is_empty() {
            problems.push(RegistryProblem::EmptyTitle { code });
        }
        if !seen.insert(code) {
            problems.push(RegistryProblem::Duplicate { code });
        }
        match range_of(code) {
            None => problems.push(RegistryProblem::OutsideRanges { code }),
            Some(other) if other != range => problems.push(RegistryProblem::MixedRanges {
                code,
                owner: range.owner,
                other_owner: other.owner,
            }),
            Some(_) => {}
        }
        let expected_number = u16::try_from(position)
            .ok()
            .and_then(|p| range.first.checked_add(p));
        if expected_number != Some(code.number) || code.area != range.area {
            let expected = Code::new(range.area, expected_number.unwrap_or(u16::MAX));
            problems.push(RegistryProblem::NotDense {
                position,
                expected,
                found: code,
            });
        }
    }
    problems
}

/// Like [`check_registry`], and also that the table's range belongs to `crate_name`.
pub fn check_registry_owner(codes: &[CodeInfo], crate_name: &str) -> Vec<RegistryProblem> {
    let mut problems = check_registry(codes);
    if let Some(range) = codes.first().and_then(|info| range_of(info.code)) {
        if range.owner != crate_name {
            problems.push(RegistryProblem::WrongOwner {
                owner: range.owner,
                crate_name: crate_name.to_owned(),
            });
        }
    }
    problems
}

/// Test helper: panics with every problem of the table. For `#[test]` functions only.
#[track_caller]
pub fn assert_registry_sound(codes: &[CodeInfo]) {
    let problems = check_registry(codes);
    assert!(
        problems.is_empty(),
        "unsound code registry:\n{}",
        list(&problems)
    );
}

#[doc(hidden)]
#[track_caller]
pub fn assert_registry_owned(codes: &[CodeInfo], crate_name: &str) {
    let problems = check_registry_owner(codes, crate_name);
    assert!(
        problems.is_empty(),
        "unsound code registry:\n{}",
        list(&problems)
    );
}

fn list(problems: &[RegistryProblem]) -> String {
    problems.iter().fold(String::new(), |mut out, p| {
        let _ = writeln!(out, "  - {p}");
        out
    })
}

/// The table as Markdown rows (`| S0001 | title | |`), the form docs/diagnostics/README.md lists them in.
pub fn markdown_rows(codes: &[CodeInfo]) -> String {
    codes.iter().fold(String::new(), |mut out, info| {
        let status = if info.retired { "retired" } else { "" };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            info.code, info.name, info.title, status
        );
        out
    })
}

/// The rows of [`markdown_rows`] that `page` (docs/diagnostics/README.md) lacks; a crate's test asserts this
/// is empty so that the registry page never falls behind the table.
pub fn missing_rows(page: &str, codes: &[CodeInfo]) -> Vec<String> {
    markdown_rows(codes)
        .lines()
        .filter(|row| !page.contains(row))
        .map(str::to_owned)
        .collect()
}

/// Declares a crate's codes: one `Code` constant each, and the table listing them in order.
///
/// ```
/// writ_diag::codes! {
///     pub static SCHEMA_CODES;
///     /// A keyword the validator does not implement.
///     UNSUPPORTED_KEYWORD = Schema 1, "unsupported schema keyword";
///     OLD_THING = Schema 2, "something no longer checked", retired;
/// }
/// assert_eq!(UNSUPPORTED_KEYWORD.to_string(), "S0001");
/// assert!(SCHEMA_CODES[1].retired);
/// ```
#[macro_export]
macro_rules! codes {
    (
        $(#[$table_meta:meta])*
        $vis:vis static $table:ident;
        $(
            $(#[$meta:meta])*
            $name:ident = $area:ident $number:literal, $title:literal $(, $retired:ident)?;
        )*
    ) => {
        $(
            $(#[$meta])*
            $vis const $name: $crate::Code = $crate::Code::new($crate::Area::$area, $number);
        )*
        $(#[$table_meta])*
        $vis static $table: &[$crate::CodeInfo] = &[
            $(
                $crate::CodeInfo {
                    code: $name,
                    name: stringify!($name),
                    title: $title,
                    retired: $crate::codes!(@retired $($retired)?),
                },
            )*
        ];
    };
    (@retired) => { false };
    (@retired retired) => { true };
}

/// Generates a `#[test]` asserting that the table is sound and that its range belongs to this crate.
#[macro_export]
macro_rules! registry_test {
    ($table:path) => {
        #[test]
        fn code_registry_is_sound_and_owned() {
            $crate::registry::assert_registry_owned($table, env!("CARGO_PKG_NAME"));
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(area: Area, number: u16, retired: bool) -> CodeInfo {
        CodeInfo {
            code: Code::new(area, number),
            name: "X",
            title: "t",
            retired,
        }
    }

    #[test]
    fn ranges_never_overlap() {
        for (i, a) in RANGES.iter().enumerate() {
            assert!(a.first >= 1 && a.first <= a.last && a.last <= 9999, "{a:?}");
            for b in RANGES.iter().skip(i + 1) {
                let overlap = a.area == b.area && a.first <= b.last && b.first <= a.last;
                assert!(!overlap, "{a:?} overlaps {b:?}");
                assert_ne!(
                    a.owner, b.owner,
                    "one range per crate keeps ownership simple"
                );
            }
        }
    }

    #[test]
    fn sound_tables_pass() {
        assert_registry_sound(&[]);
        assert_registry_sound(&[
            info(Area::Schema, 1, false),
            info(Area::Schema, 2, true),
            info(Area::Schema, 3, false),
        ]);
        assert_registry_sound(&[info(Area::Plan, 1000, false), info(Area::Plan, 1001, false)]);
    }

    #[test]
    fn each_broken_rule_is_reported() {
        use RegistryProblem::*;
        let s = |n| info(Area::Schema, n, false);
        type Case = (Vec<CodeInfo>, fn(&RegistryProblem) -> bool);
        let cases: Vec<Case> = vec![
            (vec![s(1), s(1)], |p| matches!(p, Duplicate { .. })),
            (vec![s(1), s(3)], |p| matches!(p, NotDense { .. })),
            (vec![s(2)], |p| matches!(p, NotDense { .. })),
            (vec![s(1), info(Area::Ladder, 2, false)], |p| {
                matches!(p, MixedRanges { .. })
            }),
            (vec![info(Area::Api, 5000, false)], |p| {
                matches!(p, OutsideRanges { .. })
            }),
            (vec![CodeInfo { title: " ", ..s(1) }], |p| {
                matches!(p, EmptyTitle { .. })
            }),
        ];
        for (table, expected) in cases {
            let problems = check_registry(&table);
            assert!(problems.iter().any(expected), "{table:?} gave {problems:?}");
        }
    }

    #[test]
    fn a_deleted_retired_code_leaves_a_detectable_gap() {
        let before = [
            info(Area::Schema, 1, false),
            info(Area::Schema, 2, true),
            info(Area::Schema, 3, false),
        ];
        assert!(check_registry(&before).is_empty());
        let after = [before[0], before[2]];
        assert!(!check_registry(&after).is_empty());
    }

    #[test]
    fn ownership_is_checked_by_package_name() {
        let table = [info(Area::Schema, 1, false)];
        assert!(check_registry_owner(&table, "writ-schema").is_empty());
        let problems = check_registry_owner(&table, "writ-ladder");
        assert!(
            matches!(problems.as_slice(), [RegistryProblem::WrongOwner { .. }]),
            "{problems:?}"
        );
    }

    crate::codes! {
        static DEMO;
        /// Documented.
        DEMO_ONE = Catalog 1, "first";
        DEMO_TWO = Catalog 2, "second", retired;
    }

    #[test]
    fn the_macro_builds_constants_and_table() {
        assert_eq!(DEMO_ONE.to_string(), "C0001");
        assert_eq!(DEMO.len(), 2);
        assert_eq!(DEMO[1].name, "DEMO_TWO");
        assert!(DEMO[1].retired && !DEMO[0].retired);
        assert_eq!(
            markdown_rows(DEMO),
            "| C0001 | `DEMO_ONE` | first |  |\n| C0002 | `DEMO_TWO` | second | retired |\n"
        );
        assert_registry_sound(DEMO);
        let page = "| C0001 | `DEMO_ONE` | first |  |\n";
        assert_eq!(
            missing_rows(page, DEMO),
            vec!["| C0002 | `DEMO_TWO` | second | retired |".to_owned()]
        );
    }
}
