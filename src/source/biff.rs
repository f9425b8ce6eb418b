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
const MERGECELLS: u16 = 0x00E5;
/// Records holding a value at (row, col) in their first four bytes.
const SINGLE_CELLS: [u16; 6] = [0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205];
const FORMULA: u16 = 0x0006;
const MULRK: u16 = 0x00BD;
const DIMENSIONS: u16 = 0x0200;
const CONTINUE: u16 = 0x003C;
const SST: u16 = 0x00FC;
const LABELSST: u16 = 0x00FD;
/// The most cells a repeated DIMENSIONS record may claim (see `read_record`).
const REPEATED_DIMENSIONS_CELLS: u64 = 1 << 20;
/// CONTINUE records in a row: calamine takes each from the front of a
/// vector, so a run costs time quadratic in its length. A 64 MiB file of
/// full 8 KiB records needs about 8 000; empty ones could make millions.
const MAX_CONTINUES: usize = 16_384;
/// The most cells a BIFF8 sheet can address (65536 rows × 256 columns).
const BIFF_CELLS: u64 = 65_536 * BIFF_COLS as u64;
const BIFF_COLS: usize = 256;
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
    /// Where the record starts in the stream.
    at: usize,
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
        let record = Record { at, typ, data };
        at += 4 + len;
        Some(record)
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
    let mut run = ContinueRun::default();
    let mut sst: Option<Vec<&[u8]>> = None;
    let mut strings: Option<Vec<u32>> = None;
    for r in globals.take_while(|r| r.typ != EOF) {
        run.note(r.typ)
            .map_err(|e| ctx.corrupt("xls", format!("workbook globals: {e}")))?;
        // The SST record and the CONTINUE records right after it.
        match (r.typ, sst.as_mut()) {
            (CONTINUE, Some(segments)) => segments.push(r.data),
            (SST, _) => sst = Some(vec![r.data]),
            (_, Some(_)) => strings = sst.take().map(|s| string_lengths(&s)),
            _ => {}
        }
        match r.typ {
            FILEPASS => return Err(ctx.encrypted()),
            CODEPAGE => codepage = Some(u16_at(r.data, 0) as u16),
            BOUNDSHEET => offsets.push((u16_at(r.data, 0) | u16_at(r.data, 2) << 16) as usize),
            _ => {}
        }
    }
    if let Some(segments) = sst {
        strings = Some(string_lengths(&segments));
    }
    let force_codepage = match codepage {
        Some(cp) if CHINESE_OR_UNICODE.contains(&cp) => None,
        _ if biff5 => Some(GBK),
        _ => None,
    };
    Ok(Plan {
        force_codepage,
        sheets: scan_sheets(
            ctx,
            stream,
            &offsets,
            strings.as_deref().unwrap_or_default(),
        )?,
    })
}

/// The UTF-8 length (at most) of each string of the shared string table
/// (MS-XLS 2.4.265), read as calamine reads it: the table is the SST
/// record's data after its two counts, then each CONTINUE record's; a
/// string's characters may run on into the next record, which then starts
/// with its own flags byte. Reading stops where calamine's would fail.
fn string_lengths(segments: &[&[u8]]) -> Vec<u32> {
    let mut cursor = Segments {
        rest: segments.get(1..).unwrap_or_default(),
        data: segments
            .first()
            .and_then(|s| s.get(8..))
            .unwrap_or_default(),
    };
    let mut lengths = Vec::new();
    while !cursor.data.is_empty() || cursor.next_segment() {
        match cursor.string() {
            Some(len) => lengths.push(len),
            None => break,
        }
    }
    lengths
}

/// A position in the SST's record data.
struct Segments<'a> {
    data: &'a [u8],
    rest: &'a [&'a [u8]],
}

impl Segments<'_> {
    fn next_segment(&mut self) -> bool {
        match self.rest.split_first() {
            Some((first, rest)) => {
                (self.data, self.rest) = (first, rest);
                true
            }
            None => false,
        }
    }

    /// `n` bytes of the current record.
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, tail) = (self.data.get(..n)?, self.data.get(n..)?);
        self.data = tail;
        Some(head)
    }

    /// Skips `n` bytes, across records.
    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            if self.data.is_empty() && !self.next_segment() {
                return None;
            }
            let step = n.min(self.data.len());
            self.data = &self.data[step..];
            n -= step;
        }
        Some(())
    }

    /// One XLUnicodeRichExtendedString: the UTF-8 bytes its characters
    /// take at most.
    fn string(&mut self) -> Option<u32> {
        let head = self.take(3)?;
        let (mut chars, flags) = (u16_at(head, 0), head[2]);
        let runs = match flags & 0x8 {
            0 => 0,
            _ => u16_at(self.take(2)?, 0) as usize,
        };
        let ext = match flags & 0x4 {
            0 => 0,
            _ => u32_at(self.take(4)?, 0) as usize,
        };
        let (mut wide, mut bytes) = (flags & 1 != 0, 0u32);
        while chars > 0 {
            let width = if wide { 2 } else { 1 };
            let here = (self.data.len() / width).min(chars as usize);
            let units = self.take(here * width)?;
            bytes += utf8_len(units, wide);
            chars -= here as u32;
            if chars > 0 {
                if !self.next_segment() {
                    return None;
                }
                wide = self.take(1)?[0] & 1 != 0;
            }
        }
        self.skip(runs * 4)?;
        self.skip(ext)?;
        Some(bytes)
    }
}

/// What characters stored as `units` take in UTF-8, at most: a single-byte
/// code page's byte may become three.
fn utf8_len(units: &[u8], wide: bool) -> u32 {
    let len = |u: u32| match u {
        0..0x80 => 1,
        0x80..0x800 if wide => 2,
        _ => 3,
    };
    match wide {
        true => units
            .chunks_exact(2)
            .map(|c| len(u32::from(u16::from_le_bytes([c[0], c[1]]))))
            .sum(),
        false => units.iter().map(|&b| len(u32::from(b))).sum(),
    }
}

/// Scans every sheet's substream, in stream order, and refuses a workbook
/// calamine would spend too much on. calamine builds every sheet densely
/// before returning any, so the limits hold for the sheets together; and
/// it reads each BOUNDSHEET's offset afresh, so sheets sharing or
/// overlapping a substream (2000 names for one sheet) are refused, which
/// also keeps this scan to one pass over the stream.
fn scan_sheets(
    ctx: &Ctx,
    stream: &[u8],
    offsets: &[usize],
    strings: &[u32],
) -> Result<Vec<SheetPlan>, SourceError> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut plans = vec![SheetPlan::default(); offsets.len()];
    let mut total = Total::default();
    for (k, &i) in order.iter().enumerate() {
        let next = order.get(k + 1).map(|&j| (j, offsets[j]));
        let corrupt = |detail: String| ctx.corrupt("xls", format!("sheet {}: {detail}", i + 1));
        if offsets[i] > stream.len() {
            return Err(corrupt("starts past the end of the Workbook stream".into()));
        }
        if let Some((j, _)) = next.filter(|&(_, o)| o == offsets[i]) {
            return Err(corrupt(format!(
                "shares its substream with sheet {}",
                j + 1
            )));
        }
        let (plan, extent) = scan_sheet(stream, offsets[i], next.map(|(_, o)| o), strings);
        if let Some(fault) = &extent.fault {
            return Err(corrupt(fault.clone()));
        }
        check_extent(ctx, i, &extent)?;
        total.add(ctx, &extent)?;
        plans[i] = plan;
    }
    Ok(plans)
}

/// The cells and hidden lines of the substream at `offset`, read as
/// calamine reads it: records before the sheet's BOF count too, a nested
/// BOF…EOF (an embedded chart) is skipped, the first EOF outside one ends
/// the sheet. A record at or past `stop`, the next sheet's offset, means
/// the substream runs into that sheet's.
fn scan_sheet(
    stream: &[u8],
    offset: usize,
    stop: Option<usize>,
    strings: &[u32],
) -> (SheetPlan, Extent) {
    let mut lines = Lines::default();
    let mut extent = Extent::default();
    let (mut seen_bof, mut nested) = (false, 0usize);
    let mut run = ContinueRun::default();
    for r in records(stream, offset) {
        if stop.is_some_and(|s| r.at >= s) {
            extent.fault = Some("its substream has no EOF before the next sheet's".into());
            break;
        }
        if let Err(e) = run.note(r.typ) {
            extent.fault = Some(e);
            break;
        }
        if nested > 0 {
            match r.typ {
                BOF => nested += 1,
                EOF => nested -= 1,
                _ => {}
            }
            continue;
        }
        match r.typ {
            BOF if seen_bof => nested += 1,
            BOF => seen_bof = true,
            EOF => break,
            LABELSST => {
                read_record(&r, &mut lines, &mut extent);
                label_sst(&r, strings, &mut extent);
            }
            _ => read_record(&r, &mut lines, &mut extent),
        }
    }
    (lines.into_plan(), extent)
}

/// Notes what one record of a sheet adds: cells, merges, hidden lines.
fn read_record(r: &Record, lines: &mut Lines, extent: &mut Extent) {
    match r.typ {
        t if SINGLE_CELLS.contains(&t) || t == FORMULA => {
            extent.add(u16_at(r.data, 0), u16_at(r.data, 2), 1);
        }
        MULRK if r.data.len() >= 6 => {
            let (row, cells) = (u16_at(r.data, 0), (r.data.len() as u64 - 6) / 6);
            extent.add(row, u16_at(r.data, 2), cells.max(1));
            extent.add(row, u16_at(r.data, r.data.len() - 2), 0);
        }
        MERGECELLS => extent.merges += u64::from(u16_at(r.data, 0)),
        DIMENSIONS => {
            let fault = match dimensions_cells(r.data) {
                Err(fault) => Some(fault),
                // calamine reserves the rectangle anew for each record; a
                // second large one, once a cell is in, doubles what it holds.
                Ok(cells) if extent.dimensions > 0 && cells > REPEATED_DIMENSIONS_CELLS => {
                    Some(format!("a second DIMENSIONS record claims {cells} cells"))
                }
                Ok(_) => None,
            };
            extent.fault = extent.fault.take().or(fault);
            extent.dimensions += 1;
        }
        ROW if u16_at(r.data, 12) & 0x20 != 0 => {
            lines.rows.insert(u16_at(r.data, 0));
        }
        COLINFO if u16_at(r.data, 8) & 1 != 0 => {
            lines.hide_cols(u16_at(r.data, 0), u16_at(r.data, 2));
        }
        _ => {}
    }
}

/// A cell holding shared string `isst`: calamine copies the string into
/// the cell, and leaves out a cell whose string is not in the table, which
/// would lose a value without a word.
fn label_sst(r: &Record, strings: &[u32], extent: &mut Extent) {
    let (row, col) = (u16_at(r.data, 0), u16_at(r.data, 2));
    match usize::try_from(u32_at(r.data, 6))
        .ok()
        .and_then(|i| strings.get(i))
    {
        Some(&len) => extent.text += u64::from(len),
        None if r.data.len() >= 10 => {
            let at = CellRef::new(row, col);
            let fault = format!(
                "cell {at}: shared string {} past the table's {} strings",
                u32_at(r.data, 6),
                strings.len()
            );
            extent.fault = extent.fault.take().or(Some(fault));
        }
        None => {}
    }
}

/// Hidden rows and columns of one sheet, each at most once: a file may
/// repeat a COLINFO hiding all 256 columns a million times.
#[derive(Default)]
struct Lines {
    /// Rows are 16-bit in BIFF, so at most 65 536 entries.
    rows: std::collections::BTreeSet<u32>,
    cols: Vec<bool>,
}

impl Lines {
    /// Hides columns `first..=last`, clamped to BIFF's 256.
    fn hide_cols(&mut self, first: u32, last: u32) {
        let (first, last) = (first as usize, (last as usize).min(BIFF_COLS - 1));
        if first <= last {
            self.cols.resize(BIFF_COLS, false);
            self.cols[first..=last].fill(true);
        }
    }

    fn into_plan(self) -> SheetPlan {
        SheetPlan {
            hidden_rows: self.rows.into_iter().collect(),
            hidden_cols: (0u32..)
                .zip(self.cols)
                .filter(|c| c.1)
                .map(|c| c.0)
                .collect(),
        }
    }
}

#[derive(Debug, Default)]
struct Extent {
    area: Option<Area>,
    cells: u64,
    /// Merged ranges the MERGECELLS records declare.
    merges: u64,
    /// Bytes of shared strings the sheet's cells copy.
    text: u64,
    /// DIMENSIONS records seen.
    dimensions: u32,
    /// A DIMENSIONS record calamine would size an allocation from, and
    /// which is inverted, larger than any sheet, or a large repeat; or a
    /// run of CONTINUE records past [`MAX_CONTINUES`].
    fault: Option<String>,
}

/// The length of the current run of CONTINUE records.
#[derive(Default)]
struct ContinueRun(usize);

impl ContinueRun {
    fn note(&mut self, typ: u16) -> Result<(), String> {
        self.0 = if typ == CONTINUE { self.0 + 1 } else { 0 };
        match self.0 > MAX_CONTINUES {
            true => Err(format!(
                "more than {MAX_CONTINUES} CONTINUE records in a row"
            )),
            false => Ok(()),
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4).map_or(0, |s| {
        u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    })
}

/// Reads a DIMENSIONS record as calamine does (it reserves rows × columns
/// cells from it, and computes the row count with a subtraction that wraps
/// on an inverted record) and says what is wrong with it, if anything.
fn dimensions_cells(data: &[u8]) -> Result<u64, String> {
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
        _ => return Ok(0),
    };
    if last_row == 0 || last_col == 0 {
        return Ok(0);
    }
    let first_col = if first_col > 0xFF || last_col < first_col {
        0
    } else {
        first_col
    };
    if last_row - 1 < first_row {
        return Err(format!(
            "DIMENSIONS record is inverted (rows {first_row}..{last_row})"
        ));
    }
    let cells = (last_row - first_row) * (last_col - first_col);
    match cells > BIFF_CELLS {
        true => Err(format!(
            "DIMENSIONS record claims {cells} cells (a sheet holds at most {BIFF_CELLS})"
        )),
        false => Ok(cells),
    }
}

impl Extent {
    /// Widens the extent to (row, col), which brings `cells` values.
    fn add(&mut self, row: u32, col: u32, cells: u64) {
        let at = CellRef::new(row, col);
        self.cells += cells;
        self.area = Some(match self.area {
            None => Area::new(at, at),
            Some(a) => Area::new(
                CellRef::new(a.first.row.min(row), a.first.col.min(col)),
                CellRef::new(a.last.row.max(row), a.last.col.max(col)),
            ),
        });
    }
}

impl Extent {
    /// Cells of the rectangle calamine allocates for the sheet.
    fn dense(&self) -> u64 {
        self.area.map_or(0, |a| {
            (u64::from(a.last.row - a.first.row) + 1) * (u64::from(a.last.col - a.first.col) + 1)
        })
    }
}

/// Refuses a sheet whose dense rectangle would exceed the limit.
fn check_extent(ctx: &Ctx, index: usize, extent: &Extent) -> Result<(), SourceError> {
    let (Some(area), dense) = (extent.area, extent.dense()) else {
        return Ok(());
    };
    if dense > ctx.limits.max_dense_cells {
        return Err(ctx.too_large(format!(
            "sheet {} spans {area} ({dense} cells) for {} values; the .xls reader would \
             allocate the whole rectangle (limit {} cells)",
            index + 1,
            extent.cells,
            ctx.limits.max_dense_cells
        )));
    }
    Ok(())
}

/// What the sheets scanned so far cost together: calamine holds every
/// sheet's rectangle, values and merges at once.
#[derive(Default)]
struct Total {
    dense: u64,
    cells: u64,
    merges: u64,
}

impl Total {
    fn add(&mut self, ctx: &Ctx, extent: &Extent) -> Result<(), SourceError> {
        self.dense += extent.dense();
        self.cells += extent.cells;
        self.merges += extent.merges;
        let limits = ctx.limits;
        if self.dense > limits.max_dense_cells {
            return Err(ctx.too_large(format!(
                "the sheets together span more than {} cells, which the .xls reader \
                 would allocate at once (limit)",
                limits.max_dense_cells
            )));
        }
        ctx.check_cell_count(self.cells)?;
        ctx.check_merge_count(self.merges)?;
        ctx.charge_text(extent.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Limits;
    use std::path::Path;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let len = u16::try_from(data.len()).unwrap();
        [&typ.to_le_bytes()[..], &len.to_le_bytes(), data].concat()
    }

    fn bof() -> Vec<u8> {
        rec(BOF, &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0])
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let data = [&row.to_le_bytes()[..], &col.to_le_bytes(), &[0; 10]].concat();
        rec(0x0203, &data)
    }

    /// A Workbook stream whose BOUNDSHEETs point at `at(i, starts)`, given
    /// where each of `sheets` starts.
    fn workbook(sheets: &[Vec<u8>], at: impl Fn(usize, &[usize]) -> usize) -> Vec<u8> {
        let sheet_record = |pos: usize| {
            rec(
                BOUNDSHEET,
                &[&(pos as u32).to_le_bytes()[..], &[0, 0, 1, 0, b'S']].concat(),
            )
        };
        let globals_len = bof().len() + sheets.len() * sheet_record(0).len() + 4;
        let mut starts = vec![globals_len];
        for s in sheets {
            starts.push(starts[starts.len() - 1] + s.len());
        }
        let mut stream = bof();
        for i in 0..sheets.len() {
            stream.extend(sheet_record(at(i, &starts)));
        }
        stream.extend(rec(EOF, &[]));
        stream.extend(sheets.concat());
        stream
    }

    fn sheet(records: &[Vec<u8>]) -> Vec<u8> {
        [bof(), records.concat(), rec(EOF, &[])].concat()
    }

    fn scan_with(limits: &Limits, stream: &[u8]) -> Result<Plan, SourceError> {
        let ctx = Ctx::new(Path::new("t.xls"), limits);
        scan(&ctx, stream)
    }

    fn dimensions(last_row: u32, last_col: u16) -> Vec<u8> {
        let data = [
            &0u32.to_le_bytes()[..],
            &last_row.to_le_bytes(),
            &0u16.to_le_bytes(),
            &last_col.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        rec(DIMENSIONS, &data)
    }

    #[test]
    fn shared_strings_are_measured_across_continue_records() {
        // "ab" compressed; then 3 wide characters, 2 in the SST record and
        // 1 in a CONTINUE that restarts them compressed; then a rich string
        // whose 4-byte run lies in a second CONTINUE.
        let sst = [
            &[3, 0, 0, 0, 3, 0, 0, 0][..],
            &[2, 0, 0, b'a', b'b'],
            &[3, 0, 1, 0x87, 0x65, b'x', 0],
        ]
        .concat();
        let cont = [0, b'y', 1, 0, 0x8, 1, 0, b'z'];
        let run = [0u8; 4];
        assert_eq!(string_lengths(&[&sst, &cont, &run]), vec![2, 5, 1]);
        assert_eq!(string_lengths(&[&sst[..15]]), vec![2]);
    }

    #[test]
    fn a_large_repeated_dimensions_record_is_corrupt() {
        // calamine reserves each; the second doubles what the first took.
        let big = dimensions(65_536, 256);
        let twice = sheet(&[big.clone(), number(0, 0), big]);
        let err = scan_with(&Limits::default(), &workbook(&[twice], |i, s| s[i])).unwrap_err();
        assert!(err.to_string().contains("second DIMENSIONS"), "{err}");
        let small = dimensions(20, 9);
        let ok = sheet(&[small.clone(), number(0, 0), small]);
        assert!(scan_with(&Limits::default(), &workbook(&[ok], |i, s| s[i])).is_ok());
    }

    #[test]
    fn a_run_of_continue_records_is_bounded() {
        let run = |n: usize| {
            let mut stream = workbook(&[sheet(&[number(0, 0)])], |i, s| s[i] + 4 * n);
            // Between the globals' BOF and the rest: empty CONTINUEs.
            let at = bof().len();
            stream.splice(at..at, rec(CONTINUE, &[]).repeat(n));
            stream
        };
        assert!(scan_with(&Limits::default(), &run(MAX_CONTINUES)).is_ok());
        let err = scan_with(&Limits::default(), &run(MAX_CONTINUES + 1)).unwrap_err();
        assert!(
            err.to_string().contains("CONTINUE records in a row"),
            "{err}"
        );
    }

    #[test]
    fn sheets_sharing_or_overlapping_a_substream_are_corrupt() {
        let s = sheet(&[number(0, 0), number(1, 1)]);
        let shared = workbook(&[s.clone(), s.clone()], |_, starts| starts[0]);
        let err = scan_with(&Limits::default(), &shared).unwrap_err();
        assert!(matches!(err, SourceError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("t.xls"), "{err}");
        // The second sheet starts at the first's second cell record, past
        // its BOF (12 bytes) and first cell (18 bytes).
        let two = workbook(&[s.clone(), s.clone()], |i, starts| starts[0] + i * 30);
        let err = scan_with(&Limits::default(), &two).unwrap_err();
        assert!(err.to_string().contains("no EOF"), "{err}");
    }

    #[test]
    fn the_sheets_together_stay_within_the_limits() {
        // Each sheet spans A1:J6, 60 cells: one is within 100, two are not.
        let s = sheet(&[number(0, 0), number(5, 9)]);
        let limits = Limits {
            max_dense_cells: 100,
            ..Limits::default()
        };
        let one = workbook(std::slice::from_ref(&s), |i, starts| starts[i]);
        assert_eq!(scan_with(&limits, &one).unwrap().sheets.len(), 1);
        let two = workbook(&[s.clone(), s.clone()], |i, starts| starts[i]);
        let err = scan_with(&limits, &two).unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        let few_cells = Limits {
            max_cells: 3,
            ..Limits::default()
        };
        assert!(scan_with(&few_cells, &two).is_err());
        let merges = rec(MERGECELLS, &[1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
        let merged = sheet(&[merges.clone(), merges]);
        let few_merges = Limits {
            max_merges: 3,
            ..Limits::default()
        };
        let ok = workbook(std::slice::from_ref(&merged), |i, starts| starts[i]);
        assert!(scan_with(&few_merges, &ok).is_ok());
        let too_many = workbook(&[merged.clone(), merged], |i, starts| starts[i]);
        assert!(scan_with(&few_merges, &too_many).is_err());
    }

    #[test]
    fn repeated_hidden_lines_are_kept_once() {
        let colinfo = rec(COLINFO, &[0, 0, 0x2C, 0x01, 0, 0, 0, 0, 1, 0, 0, 0]);
        let mut row = vec![0u8; 16];
        row[0] = 3;
        row[12] = 0x20;
        let row = rec(ROW, &row);
        let records: Vec<Vec<u8>> = (0..10_000)
            .flat_map(|_| [colinfo.clone(), row.clone()])
            .collect();
        let stream = workbook(&[sheet(&records)], |i, starts| starts[i]);
        let plan = scan_with(&Limits::default(), &stream).unwrap();
        assert_eq!(plan.sheets[0].hidden_cols, (0..256).collect::<Vec<u32>>());
        assert_eq!(plan.sheets[0].hidden_rows, vec![3]);
    }
}
