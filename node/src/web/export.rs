//! Tables as files: CSV (UTF-8 with a byte order mark, so spreadsheet programs read the
//! Chinese) and Excel (xlsx, one sheet a table). A cell of record text is never a formula: in
//! CSV a leading `= + - @` is neutralised, in xlsx every text is written as a string.
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::WebError;
use crate::view::monitor::Ratio;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A rate in per mille; empty when there is nothing to divide by.
    Rate(Option<i64>),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<&Ratio> for Cell {
    fn from(r: &Ratio) -> Cell {
        Cell::Rate(r.permille)
    }
}

/// A table with a name (the sheet's, and the CSV file's).
#[derive(Debug, Clone)]
pub struct Table {
    /// The sheet's name (at most 31 characters, none of `[]:*?/\`).
    pub name: &'static str,
    /// The file's name, in ASCII.
    pub file: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// A CSV cell: quoted, and a leading `= + - @` neutralised so a spreadsheet never runs it as a
/// formula.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn pct(p: i64) -> String {
    let sign = if p < 0 { "-" } else { "" };
    let a = p.unsigned_abs();
    format!("{sign}{}.{}%", a / 10, a % 10)
}

/// The table as CSV text.
pub fn csv(t: &Table) -> String {
    let mut out = String::from("\u{feff}");
    let head: Vec<String> = t.headers.iter().map(|h| csv_cell(h)).collect();
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    for row in &t.rows {
        let cols: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => csv_cell(s),
                Cell::Int(n) => n.to_string(),
                Cell::Rate(Some(p)) => pct(*p),
                Cell::Rate(None) => String::new(),
            })
            .collect();
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The tables as one workbook, a sheet each.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let rate = Format::new().set_num_format("0.0%");
    for t in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(t.name)?;
        for (c, h) in t.headers.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, *h, &bold)?;
            sheet.set_column_width(c, if c == 0 { 24 } else { 14 })?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    // Counts are far below 2^53: exact as a spreadsheet number.
                    Cell::Int(n) => {
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Cell::Rate(Some(p)) => {
                        sheet.write_number_with_format(r, c, *p as f64 / 1000.0, &rate)?;
                    }
                    Cell::Rate(None) => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    book.save_to_buffer()
}

/// A file to download.
pub fn download(content_type: &'static str, file: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The tables in the format asked for: `csv` (the table named `table`, or the first) or
/// `xlsx` (all of them).
pub fn respond(tables: Vec<Table>, format: &str, table: &str, stem: &str) -> Response {
    match format {
        "xlsx" => match xlsx(&tables) {
            Ok(bytes) => download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("{stem}.xlsx"),
                bytes,
            ),
            Err(e) => WebError::Unavailable(format!("生成 Excel 文件失败：{e}")).into_response(),
        },
        "csv" | "" => {
            let t = if table.is_empty() {
                tables.first()
            } else {
                tables.iter().find(|t| t.file == table)
            };
            match t {
                Some(t) => download(
                    "text/csv; charset=utf-8",
                    format!("{stem}-{}.csv", t.file),
                    csv(t).into_bytes(),
                ),
                None => WebError::Input(format!(
                    "没有表格 {table:?}；可选：{}",
                    tables.iter().map(|t| t.file).collect::<Vec<_>>().join("、")
                ))
                .into_response(),
            }
        }
        _ => WebError::Input("导出格式应为 csv 或 xlsx".into()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "地区",
            file: "regions",
            headers: vec!["地区", "已报", "报送率"],
            rows: vec![
                vec!["浏阳市".into(), Cell::Int(3), Cell::Rate(Some(955))],
                vec![
                    "=HYPERLINK(\"http://x\")".into(),
                    Cell::Int(0),
                    Cell::Rate(None),
                ],
            ],
        }
    }

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("浏阳市"), "\"浏阳市\"");
        assert_eq!(csv_cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "\"'+1\"");
        let text = csv(&table());
        assert!(text.starts_with("\u{feff}\"地区\",\"已报\",\"报送率\"\r\n"));
        assert!(text.contains("\"浏阳市\",3,95.5%\r\n"));
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\",0,\r\n"));
        assert_eq!(pct(-5), "-0.5%");
    }

    #[test]
    fn the_workbook_reads_back_with_text_as_text() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = xlsx(&[table()]).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("地区").unwrap();
        assert_eq!(sheet.get((1, 0)), Some(&Data::String("浏阳市".into())));
        assert_eq!(sheet.get((1, 1)), Some(&Data::Float(3.0)));
        assert_eq!(sheet.get((1, 2)), Some(&Data::Float(0.955)));
        // The hostile text is a string cell, not a formula.
        assert_eq!(
            sheet.get((2, 0)),
            Some(&Data::String("=HYPERLINK(\"http://x\")".into()))
        );
        assert!(book
            .worksheet_formula("地区")
            .unwrap()
            .used_cells()
            .all(|(_, _, f)| f.is_empty()));
    }

    #[test]
    fn an_unknown_table_or_format_is_refused_in_words() {
        let r = respond(vec![table()], "csv", "nope", "x");
        assert_eq!(r.status(), axum::http::StatusCode::BAD_REQUEST);
        let r = respond(vec![table()], "pdf", "", "x");
        assert_eq!(r.status(), axum::http::StatusCode::BAD_REQUEST);
        let r = respond(vec![table()], "xlsx", "", "x");
        assert_eq!(r.status(), axum::http::StatusCode::OK);
    }
}
