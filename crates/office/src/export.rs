//! Writing a list as an Excel workbook a clerk can hand upwards: a title and the
//! filters above the table, a frozen header row, group rows merged across the table,
//! supervision colours as fills, dates as dates and amounts in 万元. Rows are written
//! in order and flushed to a temporary file as they go (rust_xlsxwriter's constant
//! memory mode), so a workbook of 100,000 rows holds one row in memory, not all.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// The most rows below the header an export writes; a longer list is refused with
/// this number, so the clerk narrows the filter (Excel itself stops at 1,048,576).
pub const MAX_ROWS: usize = 200_000;

/// What a column holds, which decides its format and width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Short text (names, statuses): as wide as its longest cell, up to a limit.
    Text,
    /// Sentences (goals, reports): a fixed width, wrapped.
    Long,
    Int,
    /// A share, written as a fraction and shown as a percentage.
    Percent,
    Date,
    /// Money in 万元, two decimals.
    Wan,
}

#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: Kind) -> Column {
        Column {
            header: header.into(),
            kind,
        }
    }
}

/// The supervision colours as cell fills (pale fill, dark text: readable on paper).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    Red,
    Yellow,
    Blue,
    Green,
    Grey,
}

impl Fill {
    const fn colours(self) -> (u32, u32) {
        match self {
            Fill::Red => (0xFFC7CE, 0x9C0006),
            Fill::Yellow => (0xFFEB9C, 0x9C5700),
            Fill::Blue => (0xDDEBF7, 0x1F4E78),
            Fill::Green => (0xC6EFCE, 0x006100),
            Fill::Grey => (0xEDEDED, 0x595959),
        }
    }

    const ALL: [Fill; 5] = [Fill::Red, Fill::Yellow, Fill::Blue, Fill::Green, Fill::Grey];
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Blank,
    Text(String),
    Int(i64),
    /// A share in percent (45 for 45%).
    Percent(f64),
    Date(NaiveDate),
    /// An amount in fen, written in 万元.
    Fen(i64),
    /// Text on a supervision colour.
    Filled(Fill, String),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Blank, Cell::Text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(d)
    }
}

impl From<Option<NaiveDate>> for Cell {
    fn from(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Blank, Cell::Date)
    }
}

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error(transparent)]
    Xlsx(#[from] XlsxError),
}

/// Narrowest and widest a text column is made, in Excel's character units.
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 30.0;
const LONG_WIDTH: f64 = 26.0;
/// Height of one line of text, in points: rows of wrapped text are made as tall as
/// their longest cell needs, since neither Excel nor LibreOffice does it on opening.
const LINE_HEIGHT: f64 = 15.0;

/// A sheet being written, row after row.
pub struct Writer {
    book: Workbook,
    sheet: Worksheet,
    kinds: Vec<Kind>,
    widths: Vec<f64>,
    row: u32,
    header_row: u32,
    rows: usize,
    formats: Formats,
    /// Group rows (merged across the table) make Excel's filter buttons useless.
    grouped: bool,
}

struct Formats {
    text: Format,
    long: Format,
    int: Format,
    percent: Format,
    date: Format,
    wan: Format,
    fills: [Format; 5],
    groups: [Format; 3],
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF))
            .set_align(FormatAlign::VerticalCenter);
        let group = |fill: u32| {
            cell.clone()
                .set_bold()
                .set_background_color(Color::RGB(fill))
        };
        Formats {
            text: cell.clone().set_text_wrap(),
            long: cell.clone().set_text_wrap(),
            int: cell.clone().set_num_format("0"),
            percent: cell.clone().set_num_format("0%"),
            date: cell.clone().set_num_format("yyyy-mm-dd"),
            wan: cell.clone().set_num_format("#,##0.00"),
            fills: Fill::ALL.map(|f| {
                let (bg, fg) = f.colours();
                cell.clone()
                    .set_background_color(Color::RGB(bg))
                    .set_font_color(Color::RGB(fg))
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
            }),
            groups: [group(0xD9E1F2), group(0xE7ECF7), group(0xF2F5FB)],
        }
    }
}

/// Display width of text in Excel's units: a Chinese character takes two.
fn width_of(s: &str) -> f64 {
    let longest = s.lines().map(|l| {
        l.chars()
            .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
            .sum::<f64>()
    });
    longest.fold(0.0, f64::max)
}

/// Lines `s` takes in a column `width` wide, wrapped.
fn lines_in(s: &str, width: f64) -> usize {
    s.lines()
        .map(|l| (width_of(l) / (width - 1.0)).ceil().max(1.0) as usize)
        .sum::<usize>()
        .max(1)
}

impl Writer {
    /// A workbook whose one sheet starts with `title`, a line for each of `notes`
    /// (scope, filters, the day it stands on), then the columns' header row, frozen.
    pub fn new(
        sheet_name: &str,
        title: &str,
        notes: &[String],
        columns: &[Column],
    ) -> Result<Writer, WriteError> {
        let mut book = Workbook::new();
        let mut sheet = book.new_worksheet_with_constant_memory()?;
        // Excel refuses sheet names over 31 characters and some punctuation.
        let name: String = sheet_name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        if !name.is_empty() {
            sheet.set_name(name)?;
        }
        let last = u16::try_from(columns.len().max(1) - 1).unwrap_or(u16::MAX);
        let title_format = Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::VerticalCenter);
        let note_format = Format::new().set_font_color(Color::RGB(0x595959));
        sheet.set_row_height(0, 24)?;
        if last > 0 {
            sheet.merge_range(0, 0, 0, last, title, &title_format)?;
        } else {
            sheet.write_string_with_format(0, 0, title, &title_format)?;
        }
        let mut row = 1;
        for note in notes {
            if last > 0 {
                sheet.merge_range(row, 0, row, last, note, &note_format)?;
            } else {
                sheet.write_string_with_format(row, 0, note, &note_format)?;
            }
            row += 1;
        }
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF))
            .set_background_color(Color::RGB(0xF2F2F2))
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let mut widths = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            sheet.write_string_with_format(row, col, &c.header, &header)?;
            widths.push(match c.kind {
                Kind::Long => LONG_WIDTH,
                Kind::Date => 11.0,
                _ => width_of(&c.header) + 2.0,
            });
        }
        sheet.set_freeze_panes(row + 1, 0)?;
        sheet.set_repeat_rows(row, row)?;
        sheet.set_landscape();
        sheet.set_paper_size(9); // A4
        sheet.set_print_fit_to_pages(1, 0);
        Ok(Writer {
            book,
            sheet,
            kinds: columns.iter().map(|c| c.kind).collect(),
            widths,
            row: row + 1,
            header_row: row,
            rows: 0,
            formats: Formats::new(),
            grouped: false,
        })
    }

    /// A group's heading (level 0 the outermost), merged across the table.
    pub fn group(&mut self, level: usize, text: &str) -> Result<(), WriteError> {
        self.count()?;
        self.grouped = true;
        let format = &self.formats.groups[level.min(2)];
        let last = u16::try_from(self.kinds.len().max(1) - 1).unwrap_or(u16::MAX);
        if last > 0 {
            self.sheet
                .merge_range(self.row, 0, self.row, last, text, format)?;
        } else {
            self.sheet
                .write_string_with_format(self.row, 0, text, format)?;
        }
        self.row += 1;
        Ok(())
    }

    /// A row of cells, one per column (fewer leave the rest blank).
    pub fn row(&mut self, cells: Vec<Cell>) -> Result<(), WriteError> {
        self.count()?;
        let r = self.row;
        let lines = cells
            .iter()
            .zip(&self.kinds)
            .map(|(c, k)| match (c, k) {
                (Cell::Text(s), Kind::Long) => lines_in(s, LONG_WIDTH),
                (Cell::Text(s), _) => lines_in(s, MAX_WIDTH),
                _ => 1,
            })
            .max()
            .unwrap_or(1);
        if lines > 1 {
            self.sheet
                .set_row_height(r, LINE_HEIGHT * lines.min(15) as f64)?;
        }
        for (i, cell) in cells.into_iter().enumerate() {
            let Some(kind) = self.kinds.get(i).copied() else {
                break;
            };
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            let f = &self.formats;
            let shown = match cell {
                Cell::Blank => {
                    self.sheet.write_blank(r, col, &f.text)?;
                    0.0
                }
                Cell::Text(s) => {
                    let format = if kind == Kind::Long { &f.long } else { &f.text };
                    self.sheet.write_string_with_format(r, col, &s, format)?;
                    width_of(&s)
                }
                Cell::Int(n) => {
                    self.sheet
                        .write_number_with_format(r, col, n as f64, &f.int)?;
                    n.to_string().len() as f64
                }
                Cell::Percent(p) => {
                    self.sheet
                        .write_number_with_format(r, col, p / 100.0, &f.percent)?;
                    5.0
                }
                Cell::Date(d) => {
                    let day = excel_date(d)?;
                    self.sheet
                        .write_datetime_with_format(r, col, &day, &f.date)?;
                    10.0
                }
                Cell::Fen(fen) => {
                    let wan = fen as f64 / 1_000_000.0;
                    self.sheet.write_number_with_format(r, col, wan, &f.wan)?;
                    format!("{wan:.2}").len() as f64 * 1.2
                }
                Cell::Filled(fill, s) => {
                    let format = &f.fills[fill as usize];
                    self.sheet.write_string_with_format(r, col, &s, format)?;
                    width_of(&s)
                }
            };
            if kind != Kind::Long
                && let Some(w) = self.widths.get_mut(i)
            {
                *w = w.max((shown + 2.0).clamp(MIN_WIDTH, MAX_WIDTH));
            }
        }
        self.row += 1;
        Ok(())
    }

    fn count(&mut self) -> Result<(), WriteError> {
        self.rows += 1;
        if self.rows > MAX_ROWS {
            return Err(WriteError::TooManyRows);
        }
        Ok(())
    }

    /// The workbook's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, WriteError> {
        for (i, w) in self.widths.iter().enumerate() {
            self.sheet
                .set_column_width(u16::try_from(i).unwrap_or(u16::MAX), *w)?;
        }
        let last = u16::try_from(self.kinds.len().max(1) - 1).unwrap_or(u16::MAX);
        if !self.grouped && self.row > self.header_row + 1 {
            self.sheet
                .autofilter(self.header_row, 0, self.row - 1, last)?;
        }
        self.book.push_worksheet(self.sheet);
        Ok(self.book.save_to_buffer()?)
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn columns() -> Vec<Column> {
        vec![
            Column::new("任务", Kind::Text),
            Column::new("目标", Kind::Long),
            Column::new("时限", Kind::Date),
            Column::new("进度", Kind::Percent),
            Column::new("金额（万元）", Kind::Wan),
            Column::new("颜色", Kind::Text),
            Column::new("次数", Kind::Int),
        ]
    }

    /// A workbook as calamine reads it: the first sheet's cells and merged regions.
    #[expect(clippy::type_complexity)]
    fn read_back(bytes: Vec<u8>) -> (Vec<Vec<Data>>, Vec<((u32, u32), (u32, u32))>) {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let merged = book
            .merge_cells_by_sheet_name(&name)
            .unwrap()
            .iter()
            .map(|d| (d.start, d.end))
            .collect();
        let range = book.worksheet_range(&name).unwrap();
        (range.rows().map(<[Data]>::to_vec).collect(), merged)
    }

    #[test]
    fn a_ledger_sheet_reads_back_with_its_title_groups_dates_and_amounts() {
        let mut w = Writer::new(
            "打表推进台账",
            "打表推进台账",
            &["范围：重庆市侨联".to_owned(), "截至 2026-11-30".to_owned()],
            &columns(),
        )
        .unwrap();
        w.group(0, "协议：川渝侨联战略合作协议").unwrap();
        w.row(vec![
            "引进侨资项目".into(),
            "签约 10 个项目\n落地 6 个".into(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap().into(),
            Cell::Percent(45.0),
            Cell::Fen(123_456_789),
            Cell::Filled(Fill::Red, "红".into()),
            3_i64.into(),
        ])
        .unwrap();
        let (rows, merged) = read_back(w.finish().unwrap());
        assert_eq!(rows[0][0], Data::String("打表推进台账".into()));
        assert_eq!(rows[2][0], Data::String("截至 2026-11-30".into()));
        assert_eq!(rows[3][2], Data::String("时限".into()));
        assert_eq!(
            rows[4][0],
            Data::String("协议：川渝侨联战略合作协议".into())
        );
        let task = &rows[5];
        assert_eq!(task[0], Data::String("引进侨资项目".into()));
        // A date is a day number from Excel's epoch, formatted as a date.
        let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
        let serial = (NaiveDate::from_ymd_opt(2026, 12, 31).unwrap() - epoch).num_days();
        match &task[2] {
            Data::DateTime(d) => assert_eq!(d.as_f64(), serial as f64),
            other => panic!("the deadline is not a date: {other:?}"),
        }
        assert_eq!(task[3], Data::Float(0.45));
        assert_eq!(task[4], Data::Float(123.456789));
        assert_eq!(task[5], Data::String("红".into()));
        assert_eq!(task[6], Data::Float(3.0));
        // The title, both notes and the group row span the table.
        assert!(merged.contains(&((0, 0), (0, 6))));
        assert!(merged.contains(&((4, 0), (4, 6))));
        assert_eq!(merged.len(), 4);
    }

    #[test]
    fn a_sheet_past_the_row_limit_is_refused() {
        let mut w = Writer::new("x", "x", &[], &[Column::new("n", Kind::Int)]).unwrap();
        for n in 0..MAX_ROWS {
            w.row(vec![Cell::Int(n as i64)]).unwrap();
        }
        assert!(matches!(
            w.row(vec![Cell::Int(0)]),
            Err(WriteError::TooManyRows)
        ));
    }

    #[test]
    fn chinese_text_counts_two_units_a_character() {
        assert!(width_of("重庆市侨联") > 1.8 * width_of("abcde"));
        assert_eq!(width_of(""), 0.0);
        // Twenty characters wrap to two lines of a 26-unit column; a line break adds one.
        assert_eq!(lines_in(&"侨".repeat(20), LONG_WIDTH), 2);
        assert_eq!(lines_in("签约\n落地", LONG_WIDTH), 2);
        assert_eq!(lines_in("", LONG_WIDTH), 1);
    }
}
