//! Reading the spreadsheets federation clerks keep their contacts in: .xlsx (and the
//! other formats Excel and WPS save) and .csv in UTF-8 or GBK, as a header row and
//! rows of text, within limits a clerk can understand.

pub mod export;

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_auto_from_rs};

/// Largest file read, in bytes.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Most rows read below the header.
pub const MAX_ROWS: usize = 2000;
/// The used range of a sheet may reach this far down (blank rows between the data
/// are allowed) and this far across; anything beyond is refused before it is read,
/// since a reader lays the whole range out in memory.
pub const MAX_USED_ROWS: u32 = 5000;
pub const MAX_COLUMNS: u32 = 200;
/// A workbook is a zip: at most this many parts, inflating to at most this many bytes
/// in all and at most this many times its packed size, so a small file cannot expand
/// into gigabytes.
const MAX_PARTS: usize = 1000;
const MAX_INFLATED: u64 = 64 * 1024 * 1024;
const MAX_RATIO: u64 = 200;
const MAX_SHEETS: usize = 100;

/// A sheet as text: its first row, and the rows below it (blank rows left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// A row below the header, with the row number Excel shows for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Why a file could not be read; `code` is the field error shown to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    TooLarge,
    TooManyRows,
    TooManyColumns,
    TooManySheets,
    NotASpreadsheet,
    Empty,
}

impl ReadError {
    pub const fn code(self) -> &'static str {
        match self {
            ReadError::TooLarge => "too_large",
            ReadError::TooManyRows => "too_many_rows",
            ReadError::TooManyColumns => "too_many_columns",
            ReadError::TooManySheets => "too_many_sheets",
            ReadError::NotASpreadsheet => "not_a_spreadsheet",
            ReadError::Empty => "empty",
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for ReadError {}

/// Reads the first sheet of a workbook, or a CSV file, by its content (not its name:
/// files are often renamed). Whatever the file holds, this allocates at most a few
/// times the limits above; it may take a second of CPU, so callers run it off the
/// async workers.
pub fn read(bytes: &[u8]) -> Result<Sheet, ReadError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        let parts = measure_zip(bytes)?;
        if parts.iter().any(|p| p == "xl/workbook.xml") {
            xlsx(bytes)?
        } else {
            if parts.iter().any(|p| p == "content.xml") {
                ods_extent(bytes)?;
            }
            workbook(bytes)?
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        // An xls holds at most 65,536 × 256 cells, which its reader lays out densely:
        // bounded, if large; its range is checked before it is turned into text.
        workbook(bytes)?
    } else {
        csv(&text(bytes)?)
    };
    sheet(rows)
}

/// The names of a zip's parts, once it is known that inflating all of them stays
/// within the limits; measured by really inflating (a zip may lie about its sizes).
fn measure_zip(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::NotASpreadsheet)?;
    if zip.len() > MAX_PARTS {
        return Err(ReadError::TooLarge);
    }
    let limit = MAX_INFLATED.min(MAX_RATIO * bytes.len() as u64);
    let mut total = 0_u64;
    let mut names = Vec::with_capacity(zip.len());
    let mut sink = [0_u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| ReadError::NotASpreadsheet)?;
        names.push(
            part.name()
                .map_err(|_| ReadError::NotASpreadsheet)?
                .into_owned(),
        );
        let mut limited = (&mut part).take(limit - total + 1);
        loop {
            let n = limited
                .read(&mut sink)
                .map_err(|_| ReadError::NotASpreadsheet)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(ReadError::TooLarge);
            }
        }
    }
    Ok(names)
}

/// The first sheet of an xlsx, read cell by cell: a cell or a declared range beyond
/// the limits is refused before anything is laid out.
fn xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, ReadError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::NotASpreadsheet)?;
    let names = book.sheet_names();
    if names.len() > MAX_SHEETS {
        return Err(ReadError::TooManySheets);
    }
    let first = names.first().ok_or(ReadError::Empty)?.clone();
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| ReadError::NotASpreadsheet)?;
    check_extent(cells.dimensions().end)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(c) = cells.next_cell().map_err(|_| ReadError::NotASpreadsheet)? {
        let (r, col) = c.get_position();
        check_extent((r, col))?;
        let value = cell(&Data::from(c.get_value().clone()));
        if value.is_empty() {
            continue;
        }
        let (r, col) = (r as usize, col as usize);
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= col {
            row.resize(col + 1, String::new());
        }
        row[col] = value;
    }
    Ok(rows)
}

/// Refuses a position (row, column; from zero) outside the used range allowed.
fn check_extent((row, col): (u32, u32)) -> Result<(), ReadError> {
    if row >= MAX_USED_ROWS {
        Err(ReadError::TooManyRows)
    } else if col >= MAX_COLUMNS {
        Err(ReadError::TooManyColumns)
    } else {
        Ok(())
    }
}

/// Refuses an .ods whose first sheet repeats a cell with a value past the limits. An
/// .ods says "this row 1,000,000 times" in a few bytes, and its reader lays out every
/// repeat; trailing empty repeats, which every LibreOffice file has, are harmless.
fn ods_extent(bytes: &[u8]) -> Result<(), ReadError> {
    use quick_xml::events::{BytesStart, Event};
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::NotASpreadsheet)?;
    let mut xml = String::new();
    zip.by_name("content.xml")
        .map_err(|_| ReadError::NotASpreadsheet)?
        .read_to_string(&mut xml)
        .map_err(|_| ReadError::NotASpreadsheet)?;
    let repeats = |e: &BytesStart, name: &str| -> u64 {
        e.try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1)
    };
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut tables, mut row, mut col) = (0, 0_u64, 0_u64);
    let (mut row_repeats, mut row_has_value) = (1_u64, false);
    let (mut cell_repeats, mut in_cell, mut cell_has_value) = (1_u64, false, false);
    loop {
        let event = reader
            .read_event()
            .map_err(|_| ReadError::NotASpreadsheet)?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table" => {
                tables += 1;
                if tables > 1 {
                    break;
                }
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeats = repeats(&e, "table:number-rows-repeated");
                (col, row_has_value) = (0, false);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(repeats(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if row_has_value && row.saturating_add(row_repeats) > u64::from(MAX_USED_ROWS) {
                    return Err(ReadError::TooManyRows);
                }
                row = row.saturating_add(row_repeats);
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                cell_repeats = repeats(&e, "table:number-columns-repeated");
                cell_has_value = e
                    .try_get_attribute("office:value-type")
                    .ok()
                    .flatten()
                    .is_some();
                in_cell = opens;
                if !in_cell {
                    cell_end(&mut col, cell_repeats, cell_has_value, &mut row_has_value)?;
                }
            }
            Event::Text(t) if in_cell && !t.trim().is_empty() => {
                cell_has_value = true;
            }
            Event::End(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                in_cell = false;
                cell_end(&mut col, cell_repeats, cell_has_value, &mut row_has_value)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

/// The end of an .ods cell: a cell with a value may not reach past the columns allowed.
fn cell_end(
    col: &mut u64,
    repeats: u64,
    has_value: bool,
    row_has_value: &mut bool,
) -> Result<(), ReadError> {
    if has_value {
        if col.saturating_add(repeats) > u64::from(MAX_COLUMNS) {
            return Err(ReadError::TooManyColumns);
        }
        *row_has_value = true;
    }
    *col = col.saturating_add(repeats);
    Ok(())
}

fn workbook(bytes: &[u8]) -> Result<Vec<Vec<String>>, ReadError> {
    let mut book =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| ReadError::NotASpreadsheet)?;
    if book.sheet_names().len() > MAX_SHEETS {
        return Err(ReadError::TooManySheets);
    }
    let range = book
        .worksheet_range_at(0)
        .ok_or(ReadError::Empty)?
        .map_err(|_| ReadError::NotASpreadsheet)?;
    if let Some(end) = range.end() {
        check_extent(end)?;
    }
    Ok(range.rows().map(|r| r.iter().map(cell).collect()).collect())
}

/// A cell as the clerk sees it: whole numbers (phone numbers, region codes) without `.0`.
fn cell(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        #[expect(clippy::cast_possible_truncation, reason = "whole and within ±1e15")]
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        other => other.to_string(),
    }
}

/// The text of a CSV file: UTF-8 (with or without the BOM Excel writes) or GBK, which
/// Excel on Chinese Windows saves; anything else, or binary, is not a spreadsheet.
fn text(bytes: &[u8]) -> Result<String, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let s = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(ReadError::NotASpreadsheet)?
            .into_owned(),
    };
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ReadError::NotASpreadsheet);
    }
    Ok(s)
}

/// Comma-separated rows as Excel writes them: quoted fields may hold commas, quotes
/// (doubled) and line breaks.
fn csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn sheet(rows: Vec<Vec<String>>) -> Result<Sheet, ReadError> {
    let mut rows = rows
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, cells)| Row { line: i + 1, cells });
    let header: Vec<String> = rows
        .next()
        .ok_or(ReadError::Empty)?
        .cells
        .into_iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let rows: Vec<Row> = rows.take(MAX_ROWS + 1).collect();
    if rows.len() > MAX_ROWS {
        return Err(ReadError::TooManyRows);
    }
    if rows.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(Sheet { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_utf8_csv_with_the_excel_bom_is_read() {
        let file = "\u{feff}姓名,电话\r\n陈志明,13812345678\r\n\r\n\"Tan, \"\"Ah\"\" Kow\",\"line\nbreak\"\r\n";
        let s = read(file.as_bytes()).unwrap();
        assert_eq!(s.header, strings(&["姓名", "电话"]));
        assert_eq!(
            s.rows,
            vec![
                Row {
                    line: 2,
                    cells: strings(&["陈志明", "13812345678"])
                },
                // The blank row 3 is skipped but counted, as Excel numbers rows.
                Row {
                    line: 4,
                    cells: strings(&["Tan, \"Ah\" Kow", "line\nbreak"])
                }
            ]
        );
    }

    #[test]
    fn a_gbk_csv_from_chinese_excel_is_read() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,居住国家\n陈志明,泰国\n");
        assert!(std::str::from_utf8(&gbk).is_err());
        let s = read(&gbk).unwrap();
        assert_eq!(s.header, strings(&["姓名", "居住国家"]));
        assert_eq!(s.rows[0].cells, strings(&["陈志明", "泰国"]));
    }

    #[test]
    fn the_first_sheet_of_a_workbook_is_read() {
        let s = read(include_bytes!("../tests/fixtures/people.xlsx")).unwrap();
        assert_eq!(s.header[0], "姓名");
        assert_eq!(s.rows[0].cells[0], "郑光远");
        // A phone number typed as a number keeps its digits.
        assert!(
            s.rows[0].cells.contains(&"13812345678".to_owned()),
            "{:?}",
            s.rows
        );
    }

    /// An .ods whose first sheet's rows are `rows` (the XML inside table:table).
    fn ods(rows: &str) -> Vec<u8> {
        use std::io::Write;
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("mimetype", stored).unwrap();
        w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        w.start_file("content.xml", stored).unwrap();
        w.write_all(content.as_bytes()).unwrap();
        w.start_file("META-INF/manifest.xml", stored).unwrap();
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn cell(text: &str) -> String {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
        )
    }

    #[test]
    fn an_ods_is_read_and_one_repeating_a_value_past_the_limits_is_refused() {
        // As LibreOffice saves: the data, then empty rows and columns repeated to the end.
        let trailing = r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let good = ods(&format!(
            "<table:table-row>{}{}<table:table-cell table:number-columns-repeated=\"1022\"/></table:table-row><table:table-row>{}{}</table:table-row>{trailing}",
            cell("姓名"),
            cell("居住国家"),
            cell("陈志明"),
            cell("泰国")
        ));
        let s = read(&good).unwrap();
        assert_eq!(s.header, strings(&["姓名", "居住国家"]));
        assert_eq!(s.rows[0].cells[..2], strings(&["陈志明", "泰国"]));

        let tall = ods(&format!(
            "<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated=\"1000000\">{}</table:table-row>",
            cell("姓名"),
            cell("某")
        ));
        assert_eq!(read(&tall), Err(ReadError::TooManyRows));
        let wide = ods(
            r#"<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        );
        assert_eq!(read(&wide), Err(ReadError::TooManyColumns));
    }

    #[test]
    fn files_beyond_the_limits_are_refused_clearly() {
        let mut big = String::from("姓名\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("某{i}\n"));
        }
        assert_eq!(read(big.as_bytes()), Err(ReadError::TooManyRows));
        let exactly: String = big
            .lines()
            .take(MAX_ROWS + 1)
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(read(exactly.as_bytes()).map(|s| s.rows.len()), Ok(MAX_ROWS));
        assert_eq!(read(&vec![b'a'; MAX_BYTES + 1]), Err(ReadError::TooLarge));
        assert_eq!(read(b""), Err(ReadError::Empty));
        assert_eq!(read("姓名,电话\n\n".as_bytes()), Err(ReadError::Empty));
        assert_eq!(
            read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            Err(ReadError::NotASpreadsheet)
        );
        assert_eq!(read(b"PK\x03\x04garbage"), Err(ReadError::NotASpreadsheet));
    }
}
