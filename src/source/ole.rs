//! A strict reader for OLE/CFB compound files (the container of `.xls` and
//! of encrypted OOXML). It validates every sector chain before calamine sees
//! the file: calamine follows chains without loop detection and sizes its
//! buffers from the declared stream length, so a looping chain or an absurd
//! size would make it allocate without bound and abort the process.

use std::fmt;

const MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE: u32 = 0xFFFF_FFFF;
const MAX_REGULAR: u32 = 0xFFFF_FFFA;
const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
const MINI_SECTOR: usize = 64;
/// calamine reads streams shorter than this from the mini stream.
const MINI_CUTOFF: u64 = 4096;
const DIR_ENTRY: usize = 128;

/// Names calamine reads a workbook stream from. It takes the first
/// directory entry so named whatever its type, so a storage or unused entry
/// of that name would be read in place of the stream checked here.
const WORKBOOK_NAMES: [&str; 2] = ["Workbook", "Book"];

fn shadows_workbook(raw: &[u8]) -> Result<(), OleError> {
    match entry_name(raw) {
        Ok(name) if WORKBOOK_NAMES.iter().any(|w| name.eq_ignore_ascii_case(w)) => fault(format!(
            "a directory entry named {name:?} is not a stream (it would shadow the workbook stream)"
        )),
        _ => Ok(()),
    }
}

/// A structural fault of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OleError(String);

impl fmt::Display for OleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fault<T>(msg: impl Into<String>) -> Result<T, OleError> {
    Err(OleError(msg.into()))
}

/// One stream of the container, with its validated sector chain.
#[derive(Debug, Clone)]
pub struct Stream {
    pub name: String,
    size: usize,
    sectors: Vec<u32>,
    mini: bool,
}

/// A compound file whose header, FAT, directory and every stream's chain
/// have been checked against the file's real length.
#[derive(Debug)]
pub struct Container<'a> {
    bytes: &'a [u8],
    sector_size: usize,
    streams: Vec<Stream>,
    mini_stream: Vec<u32>,
}

impl<'a> Container<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, OleError> {
        if bytes.len() < 512 || !bytes.starts_with(MAGIC) {
            return fault("not an OLE compound file (header missing)");
        }
        let sector_size = match u16_at(bytes, 0x1E) {
            9 => 512,
            12 => 4096,
            s => return fault(format!("sector shift {s} (expected 9 or 12)")),
        };
        if u16_at(bytes, 0x20) != 6 {
            return fault("mini sector shift is not 6");
        }
        let count = bytes.len().saturating_sub(1) / sector_size; // sectors after the header
        let mut file = Layout {
            bytes,
            sector_size,
            count,
            fat: Vec::new(),
        };
        file.fat = file.load_fat()?;
        let dir = file.chain(u32_at(bytes, 0x30), "directory")?;
        let entries = file.read_sectors(&dir);
        let root = entries
            .get(..DIR_ENTRY)
            .ok_or_else(|| OleError("empty directory".into()))?;
        let mini_stream_size = entry_size(root, sector_size);
        let mini_stream = file.chain(u32_at(root, 116), "mini stream")?;
        if mini_stream_size > (mini_stream.len() * sector_size) as u64 {
            return fault(format!(
                "mini stream declares {mini_stream_size} bytes but its chain holds {}",
                mini_stream.len() * sector_size
            ));
        }
        let mini_fat = file.chain(u32_at(bytes, 0x3C), "mini FAT")?;
        let declared = u32_at(bytes, 0x40) as usize;
        if declared > mini_fat.len() {
            return fault(format!(
                "header declares {declared} mini FAT sectors, chain has {}",
                mini_fat.len()
            ));
        }
        let mini_fat: Vec<u32> = u32s(&file.read_sectors(&mini_fat)).collect();
        let mini_count = mini_stream.len() * sector_size / MINI_SECTOR;
        let mut streams = Vec::new();
        for raw in entries.chunks_exact(DIR_ENTRY).skip(1) {
            if raw[66] != 2 {
                shadows_workbook(raw)?;
                continue; // not a stream
            }
            let name = entry_name(raw)?;
            let size = entry_size(raw, sector_size);
            let start = u32_at(raw, 116);
            let (sectors, unit, mini) = if size < MINI_CUTOFF {
                let what = format!("stream {name:?}");
                (
                    walk(start, &mini_fat, mini_count, &what)?,
                    MINI_SECTOR,
                    true,
                )
            } else {
                (
                    file.chain(start, &format!("stream {name:?}"))?,
                    sector_size,
                    false,
                )
            };
            if size > (sectors.len() * unit) as u64 {
                return fault(format!(
                    "stream {name:?} declares {size} bytes, its chain holds {}",
                    sectors.len() * unit
                ));
            }
            streams.push(Stream {
                name,
                size: size as usize,
                sectors,
                mini,
            });
        }
        Ok(Container {
            bytes,
            sector_size,
            streams,
            mini_stream,
        })
    }

    /// The stream of this name (case-insensitive, as calamine looks it up).
    pub fn stream(&self, name: &str) -> Option<&Stream> {
        self.streams
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub fn has_stream(&self, name: &str) -> bool {
        self.stream(name).is_some()
    }

    pub fn stream_names(&self) -> Vec<&str> {
        self.streams.iter().map(|s| s.name.as_str()).collect()
    }

    /// The bytes of a stream.
    pub fn read(&self, stream: &Stream) -> Result<Vec<u8>, OleError> {
        let mut out = if stream.mini {
            let mini = sector_bytes(self.bytes, self.sector_size, &self.mini_stream);
            let mut out = Vec::with_capacity(stream.size);
            for &id in &stream.sectors {
                let at = id as usize * MINI_SECTOR;
                out.extend_from_slice(mini.get(at..at + MINI_SECTOR).unwrap_or_default());
            }
            out
        } else {
            sector_bytes(self.bytes, self.sector_size, &stream.sectors)
        };
        if out.len() < stream.size {
            return fault(format!("stream {:?} is truncated", stream.name));
        }
        out.truncate(stream.size);
        Ok(out)
    }
}

/// The file's sectors and FAT while the container is being checked.
struct Layout<'a> {
    bytes: &'a [u8],
    sector_size: usize,
    count: usize,
    fat: Vec<u32>,
}

impl Layout<'_> {
    /// The FAT, gathered from the header's DIFAT and the DIFAT chain.
    fn load_fat(&self) -> Result<Vec<u32>, OleError> {
        let mut fat_sectors: Vec<u32> = u32s(&self.bytes[0x4C..0x200]).collect();
        let mut next = u32_at(self.bytes, 0x44);
        let mut seen = vec![false; self.count];
        while next < MAX_REGULAR {
            let id = next as usize;
            if id >= self.count {
                return fault(format!("DIFAT sector {next} lies past the end of the file"));
            }
            if std::mem::replace(&mut seen[id], true) {
                return fault(format!("DIFAT chain loops at sector {next}"));
            }
            let ids: Vec<u32> = u32s(&self.read_sectors(&[next])).collect();
            let (last, rest) = ids.split_last().unwrap_or((&END_OF_CHAIN, &[]));
            fat_sectors.extend_from_slice(rest);
            next = *last;
        }
        let fat_sectors: Vec<u32> = fat_sectors
            .into_iter()
            .filter(|&id| id < DIFAT_SECTOR)
            .collect();
        if let Some(bad) = fat_sectors.iter().find(|&&id| id as usize >= self.count) {
            return fault(format!("FAT sector {bad} lies past the end of the file"));
        }
        Ok(u32s(&self.read_sectors(&fat_sectors)).collect())
    }

    fn chain(&self, start: u32, what: &str) -> Result<Vec<u32>, OleError> {
        walk(start, &self.fat, self.count, what)
    }

    fn read_sectors(&self, ids: &[u32]) -> Vec<u8> {
        sector_bytes(self.bytes, self.sector_size, ids)
    }
}

/// Follows a chain through `table`, refusing loops and sectors past `count`.
fn walk(start: u32, table: &[u32], count: usize, what: &str) -> Result<Vec<u32>, OleError> {
    let mut out = Vec::new();
    let mut seen = vec![false; count.min(table.len())];
    let mut id = start;
    while id != END_OF_CHAIN {
        if id == FREE && out.is_empty() {
            break; // an empty stream may point nowhere
        }
        let i = id as usize;
        if i >= seen.len() {
            return fault(format!("{what}: sector {id} lies past the end of the file"));
        }
        if std::mem::replace(&mut seen[i], true) {
            return fault(format!("{what}: sector chain loops at sector {id}"));
        }
        out.push(id);
        id = table[i];
    }
    Ok(out)
}

/// Concatenates whole sectors; a short last sector is padded with zeros.
fn sector_bytes(bytes: &[u8], size: usize, ids: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * size);
    for &id in ids {
        let start = (id as usize + 1) * size;
        let end = (start + size).min(bytes.len());
        let chunk = bytes.get(start..end).unwrap_or_default();
        out.extend_from_slice(chunk);
        out.resize(out.len() + size - chunk.len(), 0);
    }
    out
}

fn entry_name(raw: &[u8]) -> Result<String, OleError> {
    let len = u16_at(raw, 64) as usize;
    if len > 64 || !len.is_multiple_of(2) {
        return fault(format!("directory entry name length {len} (at most 64)"));
    }
    let units: Vec<u16> = raw[..len]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    Ok(String::from_utf16_lossy(&units))
}

fn entry_size(raw: &[u8], sector_size: usize) -> u64 {
    // Version 3 files leave the high half undefined; calamine ignores it too.
    let low = u64::from(u32_at(raw, 120));
    if sector_size == 512 {
        low
    } else {
        low | u64::from(u32_at(raw, 124)) << 32
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(END_OF_CHAIN, |s| {
        u32::from_le_bytes([s[0], s[1], s[2], s[3]])
    })
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 128-byte directory entry of `kind` (1 storage, 2 stream) named `name`.
    fn entry(name: &str, kind: u8) -> Vec<u8> {
        let mut raw = vec![0u8; DIR_ENTRY];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            raw[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        raw[64..66].copy_from_slice(&((units.len() * 2) as u16).to_le_bytes());
        raw[66] = kind;
        raw
    }

    #[test]
    fn a_storage_named_like_the_workbook_stream_is_refused() {
        for name in ["Workbook", "BOOK"] {
            let err = shadows_workbook(&entry(name, 1)).unwrap_err();
            assert!(err.to_string().contains("shadow"), "{err}");
        }
        assert!(shadows_workbook(&entry("Pictures", 1)).is_ok());
        // An unused entry with garbage for a name is not a shadow.
        let mut garbage = entry("", 0);
        garbage[64] = 0xFF;
        assert!(shadows_workbook(&garbage).is_ok());
    }
}
