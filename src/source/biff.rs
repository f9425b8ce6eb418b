//! A pre-scan of an `.xls` Workbook stream (BIFF5/BIFF8 records) before
//! calamine parses it: calamine stores each sheet as a dense rectangle, so
//! the scan measures each sheet's extent and refuses a rectangle past the
//! limit; it also finds encryption, the code page, and hidden rows and
//! columns, which calamine does not report.

use super::{Area, CellRef, Ctx, SourceError};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const CODEPAGE: u16 = 0x0042;
const BOUNDSHEET: u16 = 0x0085;
const ROW: u16 = 0x0208;
const COLINFO: u16 = 0x007D;
/// Records holding a value at (row, col) in their first four bytes.
const SINGLE_CELLS: [u16; 6] = [0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205];
const FORMULA: u16 = 0x0006;
const MULRK: u16 = 0x00BD;
const DIMENSIONS: u16 = 0x0200;
/// The most cells a BIFF8 sheet can address (65536 rows × 256 columns).
const BIFF_CELLS: u64 = 65_536 * 256;
/// Code pages under which calamine already decodes Chinese text.
const CHINESE_OR_UNICODE: [u16; 4] = [936, 54936, 950, 1200];
const GBK: u16 = 936;

/// What the scan learned about one worksheet, in BOUNDSHEET order.
#[derive(Debug, Default, Clone)]
pub struct SheetPlan {
    pub hidden_rows: Vec<u32>,
    pub hidden_cols: Vec<u32>,
}

/// What calamine needs to be told, and what it cannot tell us.
#[derive(Debug, Default)]
pub struct Plan {
    /// A code page to force on calamine (GBK for BIFF5 files without a
    /// Chinese code page: their byte strings are GBK in practice).
    pub force_codepage: Option<u16>,
    pub sheets: Vec<SheetPlan>,
}

struct Record<'a> {
    typ: u16,
    data: &'a [u8],
}

fn records(stream: &[u8], from: usize) -> impl Iterator<Item = Record<'_>> {
    let mut at = from;
    std::iter::from_fn(move || {
        let head = stream.get(at..at + 4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some(Record { typ, data })
    })
}

fn u16_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 2)
        .map_or(0, |s| u32::from(u16::from_le_bytes([s[0], s[1]])))
}

/// Scans the Workbook stream.
pub fn scan(ctx: &Ctx, stream: &[u8]) -> Result<Plan, SourceError> {
    let mut globals = records(stream, 0);
    let first = globals
        .next()
        .ok_or_else(|| ctx.corrupt("xls", "empty Workbook stream"))?;
    if first.typ != BOF {
        return Err(ctx.unsupported(
            "a pre-Excel-5 (BIFF2–4) workbook in an OLE container; re-save it as .xlsx",
        ));
    }
    let biff5 = u16_at(first.data, 0) < 0x0600;
    let mut codepage = None;
    let mut offsets = Vec::new();
    for r in globals.take_while(|r| r.typ != EOF) {
        match r.typ {
            FILEPASS => return Err(ctx.encrypted()),
            CODEPAGE => codepage = Some(u16_at(r.data, 0) as u16),
            BOUNDSHEET => offsets.push((u16_at(r.data, 0) | u16_at(r.data, 2) << 16) as usize),
            _ => {}
        }
    }
    let force_codepage = match codepage {
        Some(cp) if CHINESE_OR_UNICODE.contains(&cp) => None,
        _ if biff5 => Some(GBK),
        _ => None,
    };
    let mut sheets = Vec::new();
    for (i, offset) in offsets.into_iter().enumerate() {
        let (plan, extent) = scan_sheet(stream, offset);
        if let Some(fault) = extent.fault {
            return Err(ctx.corrupt("xls", format!("sheet {}: {fault}", i + 1)));
        }
        check_extent(ctx, i, extent)?;
        sheets.push(plan);
    }
    Ok(Plan {
        force_codepage,
        sheets,
    })
}

/// The cells and hidden lines of the substream at `offset`.
fn scan_sheet(stream: &[u8], offset: usize) -> (SheetPlan, Extent) {
    let mut plan = SheetPlan::default();
    let mut extent = Extent::default();
    let mut depth = 0usize;
    for r in records(stream, offset) {
        match r.typ {
            BOF => depth += 1,
            EOF => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ if depth != 1 => {} // an embedded chart's records
            t if SINGLE_CELLS.contains(&t) || t == FORMULA => {
                extent.add(u16_at(r.data, 0), u16_at(r.data, 2));
            }
            MULRK if r.data.len() >= 6 => {
                let row = u16_at(r.data, 0);
                extent.add(row, u16_at(r.data, 2));
                extent.add(row, u16_at(r.data, r.data.len() - 2));
            }
            DIMENSIONS => extent.fault = extent.fault.take().or_else(|| dimensions_fault(r.data)),
            ROW if u16_at(r.data, 12) & 0x20 != 0 => plan.hidden_rows.push(u16_at(r.data, 0)),
            COLINFO if u16_at(r.data, 8) & 1 != 0 => {
                let (first, last) = (u16_at(r.data, 0), u16_at(r.data, 2).min(255));
                plan.hidden_cols.extend(first..=last);
            }
            _ => {}
        }
    }
    (plan, extent)
}

#[derive(Debug, Default)]
struct Extent {
    area: Option<Area>,
    cells: u64,
    /// A DIMENSIONS record calamine would size an allocation from, and
    /// which is inverted or larger than any sheet.
    fault: Option<String>,
}

fn u32_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4).map_or(0, |s| {
        u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    })
}

/// Reads a DIMENSIONS record as calamine does (it reserves rows × columns
/// cells from it, and computes the row count with a subtraction that wraps
/// on an inverted record) and says what is wrong with it, if anything.
fn dimensions_fault(data: &[u8]) -> Option<String> {
    let (first_row, last_row, first_col, last_col) = match data.len() {
        10 => (
            u64::from(u16_at(data, 0)),
            u64::from(u16_at(data, 2)),
            u64::from(u16_at(data, 4)),
            u64::from(u16_at(data, 6)),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u64::from(u16_at(data, 8)),
            u64::from(u16_at(data, 10)),
        ),
        _ => return None,
    };
    if last_row == 0 || last_col == 0 {
        return None;
    }
    let first_col = if first_col > 0xFF || last_col < first_col {
        0
    } else {
        first_col
    };
    if last_row - 1 < first_row {
        return Some(format!(
            "DIMENSIONS record is inverted (rows {first_row}..{last_row})"
        ));
    }
    let cells = (last_row - first_row) * (last_col - first_col);
    (cells > BIFF_CELLS).then(|| {
        format!("DIMENSIONS record claims {cells} cells (a sheet holds at most {BIFF_CELLS})")
    })
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        let at = CellRef::new(row, col);
        self.cells += 1;
        self.area = Some(match self.area {
            None => Area::new(at, at),
            Some(a) => Area::new(
                CellRef::new(a.first.row.min(row), a.first.col.min(col)),
                CellRef::new(a.last.row.max(row), a.last.col.max(col)),
            ),
        });
    }
}

/// Refuses a sheet whose dense rectangle would exceed the limit.
fn check_extent(ctx: &Ctx, index: usize, extent: Extent) -> Result<(), SourceError> {
    let Some(area) = extent.area else {
        return Ok(());
    };
    let rows = u64::from(area.last.row - area.first.row) + 1;
    let cols = u64::from(area.last.col - area.first.col) + 1;
    if rows * cols > ctx.limits.max_dense_cells {
        return Err(ctx.too_large(format!(
            "sheet {} spans {area} ({} cells) for {} values; the .xls reader would \
             allocate the whole rectangle (limit {} cells)",
            index + 1,
            rows * cols,
            extent.cells,
            ctx.limits.max_dense_cells
        )));
    }
    Ok(())
}
