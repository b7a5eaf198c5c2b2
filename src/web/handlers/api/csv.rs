//! CSV output for exports: RFC 4180 quoting, and cells that a spreadsheet would run as a formula are
//! prefixed with `'` (CSV injection).

use actix_web::HttpResponse;
use actix_web::http::header;

/// A CSV document built row by row.
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self { out: String::new() };
        csv.row(header.iter().copied());
        csv
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&cell_text(cell));
        }
        self.out.push_str("\r\n");
    }

    /// The document as a download named `filename`.
    pub(crate) fn into_response(self, filename: &str) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(self.out)
    }
}

fn cell_text(cell: &str) -> String {
    // Spreadsheets skip leading blanks before they look for a formula, so " =cmd()" runs too.
    let formula = cell
        .trim_start_matches([' ', '\u{a0}'])
        .starts_with(['=', '+', '-', '@', '\t', '\r', '\n']);
    let defused = if formula {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(["x,y", "say \"hi\""]);
        csv.row(["=cmd()", "plain"]);
        assert_eq!(
            csv.out,
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n'=cmd(),plain\r\n"
        );
    }

    #[test]
    fn formulas_behind_leading_spaces_are_defused_too() {
        for cell in ["  =cmd()", " +1", "   -2", " @SUM(A1)", "\u{a0}=x"] {
            assert!(
                cell_text(cell).starts_with('\''),
                "{cell:?} -> {}",
                cell_text(cell)
            );
        }
        assert_eq!(cell_text("  plain"), "  plain");
    }
}
