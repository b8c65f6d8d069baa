//! Catalog CSV import: all of the file or none of it.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::restricted::Restriction;
use crate::domain::variable::Layouts;
use crate::domain::{gtin, variable};

use super::pictures::Pictures;

/// Why a catalog file was refused. Nothing of it was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{source_name}: cannot read the file")]
    Read { source_name: String, source: std::io::Error },
    #[error("{source_name}: line {line}: {reason}")]
    Row { source_name: String, line: u64, reason: String },
    #[error("{source_name}: the header must name barcode, name and price (found: {found})")]
    Header { source_name: String, found: String },
    #[error("{source_name}: the file holds no products")]
    Empty { source_name: String },
    #[error("catalog database write failed")]
    Db(#[from] rusqlite::Error),
}

/// The highest price a catalog row may have; above it is surely a typo.
pub const MAX_PRICE: i64 = 1_000_000_000;

/// One validated row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub barcode: String,
    pub name: String,
    pub price: i64,
    pub category: Option<String>,
    /// The optional `restriction` column: empty, `age21` or `tobacco`.
    pub restriction: Restriction,
    /// The optional `image` column: a file name in the picture directory.
    pub image: Option<String>,
    /// Its line in the file, for errors found later.
    pub line: u64,
}

/// A product as the database had it before an import.
struct Known {
    name: String,
    price: i64,
    category: Option<String>,
    deleted: bool,
    restriction: String,
    image: Option<String>,
    image_etag: Option<String>,
}

/// What an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub total: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

/// Reads and checks a whole catalog CSV. `source_name` names the file in
/// errors.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<Row>, ImportError> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let line_at = |pos: Option<&csv::Position>| line_at(text, pos);
    let row_err = |line: u64, reason: String| ImportError::Row {
        source_name: source_name.to_owned(),
        line,
        reason,
    };
    let headers = reader.headers().map_err(|e| row_err(1, e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(ib), Some(in_), Some(ip)) = (column("barcode"), column("name"), column("price"))
    else {
        return Err(ImportError::Header {
            source_name: source_name.to_owned(),
            found: headers.iter().collect::<Vec<_>>().join(","),
        });
    };
    let ic = column("category");
    let ir = column("restriction");
    let ii = column("image");

    let mut rows = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| row_err(line_at(e.position()), e.to_string()))?;
        let line = line_at(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        // Fewer fields are fine (an empty restriction may be left off);
        // more mean a comma in a name that was not quoted.
        if record.len() > headers.len() {
            return Err(row_err(
                line,
                format!(
                    "{} fields, but the header has {}: a name with a comma must be in double quotes",
                    record.len(),
                    headers.len()
                ),
            ));
        }
        let field = |i: usize, name: &str| match record.get(i) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(row_err(line, format!("missing {name}"))),
        };
        let barcode = field(ib, "barcode")?;
        let name = field(in_, "name")?;
        let price_text = field(ip, "price")?;
        let price = match price_text.parse::<i64>() {
            Ok(p) if p > 0 && price_text.bytes().all(|b| b.is_ascii_digit()) => p,
            _ => {
                return Err(row_err(
                    line,
                    format!("price {price_text:?} is not a positive whole number of rupiah"),
                ));
            }
        };
        if price > MAX_PRICE {
            return Err(row_err(
                line,
                format!("price {price} is above Rp 1.000.000.000; is a digit too many?"),
            ));
        }
        // Produce without a barcode is keyed by its PLU, as typed.
        if !gtin::is_valid(&barcode) && !variable::is_plu(&barcode) {
            return Err(row_err(
                line,
                format!(
                    "barcode {barcode:?} is not a GTIN with a valid check digit, \
                     nor a PLU (3000 to 4999, or five digits from 9)"
                ),
            ));
        }
        // One product, one key: a UPC-A is kept as the 13-digit GTIN a
        // scanner's read is looked up by, and a GTIN-14 with a leading zero
        // as its GTIN-13.
        let barcode = match barcode.len() {
            12 => format!("0{barcode}"),
            14 if barcode.starts_with('0') => barcode[1..].to_owned(),
            _ => barcode,
        };
        if let Some(first) = first_line.insert(barcode.clone(), line) {
            return Err(row_err(line, format!("barcode {barcode} already on line {first}")));
        }
        let category = ic.and_then(|i| record.get(i)).filter(|c| !c.is_empty()).map(str::to_owned);
        let word = ir.and_then(|i| record.get(i)).unwrap_or("");
        let Some(restriction) = Restriction::parse(word) else {
            return Err(row_err(
                line,
                format!("restriction {word:?} is not empty, age21 or tobacco"),
            ));
        };
        let image = ii.and_then(|i| record.get(i)).filter(|n| !n.is_empty()).map(str::to_owned);
        if let Some(name) = &image {
            super::pictures::check_name(name).map_err(|reason| row_err(line, reason))?;
        }
        rows.push(Row { barcode, name, price, category, restriction, image, line });
    }
    if rows.is_empty() {
        return Err(ImportError::Empty { source_name: source_name.to_owned() });
    }
    Ok(rows)
}

/// Refuses a row that the store's label layouts make unreachable: a code
/// under a layout's prefix is always read as a label (item number and price
/// or weight), so the product is found only under the label's key, the code
/// with the value digits zero.
pub fn check_layouts(
    rows: &[Row],
    layouts: &Layouts,
    source_name: &str,
) -> Result<(), ImportError> {
    for row in rows {
        match layouts.key_of(&row.barcode) {
            Some(key) if key != row.barcode => {
                let reason = format!(
                    "barcode {} has a prefix of this store's label layouts, so a scan of it is \
                     read as a label, never looked up as it is: list the item as {key}",
                    row.barcode
                );
                let (source_name, line) = (source_name.to_owned(), row.line);
                return Err(ImportError::Row { source_name, line, reason });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a row whose picture is not among `pictures`, the ones the
/// central read at start.
pub fn check_pictures(
    rows: &[Row],
    pictures: &Pictures,
    source_name: &str,
) -> Result<(), ImportError> {
    for row in rows {
        if let Some(name) = row.image.as_deref().filter(|n| pictures.get(n).is_none()) {
            let reason = format!("image {name:?} is not in the pictures ({})", pictures.source);
            let (source_name, line) = (source_name.to_owned(), row.line);
            return Err(ImportError::Row { source_name, line, reason });
        }
    }
    Ok(())
}

/// The catalog category of `barcode`; None for a product without one or
/// no longer in the catalog.
pub(super) fn category_of(conn: &Connection, barcode: &str) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row("SELECT category FROM product WHERE barcode = ?1", [barcode], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The line of `text` a CSV record starts on, counting from 1.
///
/// The reader's own line count is off by one per CRLF; this counts newlines
/// up to the record's byte offset instead.
pub(super) fn line_at(text: &str, pos: Option<&csv::Position>) -> u64 {
    pos.map_or(0, |p| {
        // With CRLF the reader places a record at the LF before it.
        let bytes = text.as_bytes();
        let mut end = (p.byte() as usize).min(bytes.len());
        while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        1 + bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64
    })
}

/// Makes the catalog equal to `rows` in one transaction. Each product that
/// is new, changed or gone takes the next catalog sequence number, so
/// devices that synced before get exactly these changes. A product's
/// picture is kept with the ETag it has in `pictures`: a picture replaced
/// under the same name changes its products too.
pub fn import(
    conn: &mut Connection,
    rows: &[Row],
    pictures: &Pictures,
) -> Result<ImportReport, ImportError> {
    let tx = conn.transaction()?;
    let mut report = ImportReport { total: rows.len(), ..Default::default() };
    let mut seq: i64 =
        tx.query_row("SELECT value FROM counter WHERE name = 'catalog_seq'", [], |r| r.get(0))?;
    {
        let mut existing = tx.prepare(
            "SELECT barcode, name, price, category, deleted, restriction, image, image_etag
             FROM product",
        )?;
        let mut known: HashMap<String, Known> = existing
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    Known {
                        name: r.get(1)?,
                        price: r.get(2)?,
                        category: r.get(3)?,
                        deleted: r.get(4)?,
                        restriction: r.get(5)?,
                        image: r.get(6)?,
                        image_etag: r.get(7)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut upsert = tx.prepare(
            "INSERT INTO product
                 (barcode, name, price, category, seq, deleted, restriction, image, image_etag)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8)
             ON CONFLICT (barcode) DO UPDATE SET name = excluded.name, price = excluded.price,
                 category = excluded.category, seq = excluded.seq, deleted = 0,
                 restriction = excluded.restriction, image = excluded.image,
                 image_etag = excluded.image_etag",
        )?;
        for row in rows {
            let etag = row.image.as_deref().and_then(|n| pictures.get(n)).map(|p| p.etag.clone());
            let same = known.remove(&row.barcode).map(|k| {
                !k.deleted
                    && k.name == row.name
                    && k.price == row.price
                    && k.category == row.category
                    && k.restriction == row.restriction.as_str()
                    && k.image == row.image
                    && k.image_etag == etag
            });
            match same {
                Some(true) => continue,
                Some(false) => report.changed += 1,
                None => report.added += 1,
            }
            seq += 1;
            let restriction = row.restriction.as_str();
            upsert.execute(params![
                row.barcode,
                row.name,
                row.price,
                row.category,
                seq,
                restriction,
                row.image,
                etag
            ])?;
        }
        let mut remove =
            tx.prepare("UPDATE product SET deleted = 1, seq = ?2 WHERE barcode = ?1")?;
        let mut gone: Vec<_> =
            known.into_iter().filter(|(_, v)| !v.deleted).map(|(k, _)| k).collect();
        gone.sort();
        for barcode in gone {
            seq += 1;
            report.removed += 1;
            remove.execute(params![barcode, seq])?;
        }
    }
    tx.execute("UPDATE counter SET value = ?1 WHERE name = 'catalog_seq'", [seq])?;
    tx.commit()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The check digits of 8991101000070, ...179 and ...285 were worked out by
    // hand with the GS1 mod-10 rule.
    const GOOD: &str = "barcode,name,price,category\n\
        8991101000070,MamyPoko Pants M 34,89000,bayi-ibu\n\
        8991101000179,Merries Pants L 26,99000,bayi-ibu\n";

    fn reason(text: &str) -> String {
        parse(text, "cat.csv").unwrap_err().to_string()
    }

    #[test]
    fn reads_a_good_file() {
        let rows = parse(GOOD, "cat.csv").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].price, 99_000);
        assert_eq!(rows[1].category.as_deref(), Some("bayi-ibu"));
    }

    #[test]
    fn bad_rows_name_their_line() {
        let bad_digit = format!("{GOOD}8991101000171,Wrong Check,1000,x\n");
        assert_eq!(
            reason(&bad_digit),
            "cat.csv: line 4: barcode \"8991101000171\" is not a GTIN with a valid check digit, \
             nor a PLU (3000 to 4999, or five digits from 9)"
        );
        let dup = format!("{GOOD}8991101000070,Again,1000,x\n");
        assert_eq!(reason(&dup), "cat.csv: line 4: barcode 8991101000070 already on line 2");
        let float = "barcode,name,price\n8991101000070,Susu,3500.50\n";
        assert_eq!(
            reason(float),
            "cat.csv: line 2: price \"3500.50\" is not a positive whole number of rupiah"
        );
        let zero = "barcode,name,price\n8991101000070,Susu,0\n";
        assert!(reason(zero).starts_with("cat.csv: line 2: price \"0\""));
        let missing = "barcode,name,price\n8991101000070,,3500\n";
        assert_eq!(reason(missing), "cat.csv: line 2: missing name");
        let header = "code,title,cost\n1,2,3\n";
        assert!(reason(header).contains("header must name barcode, name and price"));
    }

    #[test]
    fn an_unquoted_comma_in_a_name_is_named() {
        let text = "barcode,name,price,category\n8991101000070,Susu, Cokelat,5000,susu,x\n";
        assert_eq!(
            reason(text),
            "cat.csv: line 2: 6 fields, but the header has 4: a name with a comma must be in \
             double quotes"
        );
        let quoted = "barcode,name,price\n8991101000070,\"Susu, Cokelat\",5000\n";
        assert_eq!(parse(quoted, "c").unwrap()[0].name, "Susu, Cokelat");
    }

    #[test]
    fn a_label_code_listed_as_a_product_is_refused_with_its_key() {
        let layouts = Layouts::default();
        // 2112345312507 is a label (prefix 21, item 12345, Rp 1.250); the
        // item's key is 211234500000 with its check digit: from the right,
        // 0·3 + 0 + 0·3 + 0 + 0·3 + 5 + 4·3 + 3 + 2·3 + 1 + 1·3 + 2 = 32,
        // so 8.
        let label = "barcode,name,price\n8991101000070,Susu,5000\n2112345312507,Kue,1250\n";
        let rows = parse(label, "cat.csv").unwrap();
        assert_eq!(
            check_layouts(&rows, &layouts, "cat.csv").unwrap_err().to_string(),
            "cat.csv: line 3: barcode 2112345312507 has a prefix of this store's label layouts, \
             so a scan of it is read as a label, never looked up as it is: list the item as \
             2112345000008"
        );
        let key = "barcode,name,price\n2112345000008,Kue,1250\n";
        check_layouts(&parse(key, "c").unwrap(), &layouts, "c").unwrap();
        // Prefix 27 has no layout by default: an ordinary in-store code.
        let other = "barcode,name,price\n2712345312509,Kue,1250\n";
        check_layouts(&parse(other, "c").unwrap(), &layouts, "c").unwrap();
    }

    #[test]
    fn restriction_column_is_optional_and_checked() {
        // GOOD has no restriction column: everyone may buy its products.
        assert!(parse(GOOD, "c").unwrap().iter().all(|r| r.restriction == Restriction::None));
        let text = "barcode,name,price,restriction\n\
            8991101000070,Bir,30000,age21\n\
            8991101000179,Rokok,35000,TOBACCO\n\
            8991101000285,Susu,5000,\n";
        let kinds: Vec<_> = parse(text, "c").unwrap().iter().map(|r| r.restriction).collect();
        assert_eq!(kinds, [Restriction::Age21, Restriction::Tobacco, Restriction::None]);
        let bad = "barcode,name,price,restriction\n8991101000070,Bir,30000,age18\n";
        assert_eq!(
            reason(bad),
            "cat.csv: line 2: restriction \"age18\" is not empty, age21 or tobacco"
        );
    }

    #[test]
    fn image_column_is_optional_and_names_a_picture_file() {
        assert!(parse(GOOD, "c").unwrap().iter().all(|r| r.image.is_none()));
        // An empty restriction before the picture, and one left off.
        let text = "barcode,name,price,category,restriction,image\n\
            4011,Pisang,2500,buah-sayur,,banana.png\n\
            4087,Tomat,1500,buah-sayur\n";
        let images: Vec<_> = parse(text, "c").unwrap().into_iter().map(|r| r.image).collect();
        assert_eq!(images, [Some("banana.png".to_owned()), None]);

        let with = |image: &str| {
            format!("barcode,name,price,image\n4087,Tomat,1500,\n4011,Pisang,2500,{image}\n")
        };
        assert_eq!(
            reason(&with("buah/banana.png")),
            "cat.csv: line 3: image \"buah/banana.png\" has a path separator: give the file \
             name in the picture directory"
        );
        assert_eq!(
            reason(&with("C:\\banana.png")),
            "cat.csv: line 3: image \"C:\\\\banana.png\" has a path separator: give the file \
             name in the picture directory"
        );
        assert_eq!(
            reason(&with("..banana.png")),
            "cat.csv: line 3: image \"..banana.png\" holds \"..\": give the file name as it is"
        );
        assert_eq!(
            reason(&with("banana.gif")),
            "cat.csv: line 3: image \"banana.gif\" does not end in .png, .jpg, .jpeg or .webp"
        );
    }

    #[test]
    fn an_image_missing_from_the_pictures_is_refused_with_its_line() {
        let pictures = Pictures::demo().unwrap();
        let text = "barcode,name,price,image\n4011,Pisang,2500,banana.png\n4087,Tomat,1500,\
            semangka.png\n";
        let rows = parse(text, "cat.csv").unwrap();
        assert_eq!(
            check_pictures(&rows, &pictures, "cat.csv").unwrap_err().to_string(),
            "cat.csv: line 3: image \"semangka.png\" is not in the pictures (demo pictures)"
        );
        check_pictures(&rows[..1], &pictures, "cat.csv").unwrap();
    }

    #[test]
    fn a_picture_replaced_under_its_name_changes_its_product() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in [
            include_str!("../../../migrations/central/0001_init.sql"),
            include_str!("../../../migrations/central/0009_restricted.sql"),
            include_str!("../../../migrations/central/0011_product_image.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        let text = "barcode,name,price,image\n4011,Pisang,2500,banana.png\n4087,Tomat,1500,\n";
        let rows = parse(text, "c").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let banana = dir.path().join("banana.png");
        std::fs::write(&banana, super::super::pictures::DEMO[2].1).unwrap();
        let first = import(&mut conn, &rows, &Pictures::from_dir(dir.path()).unwrap()).unwrap();
        assert_eq!(first.added, 2);
        let same = import(&mut conn, &rows, &Pictures::from_dir(dir.path()).unwrap()).unwrap();
        assert_eq!((same.added, same.changed), (0, 0));
        // Another picture under the same name: the banana changes, alone.
        std::fs::write(&banana, super::super::pictures::DEMO[0].1).unwrap();
        let other = import(&mut conn, &rows, &Pictures::from_dir(dir.path()).unwrap()).unwrap();
        assert_eq!((other.added, other.changed), (0, 1));
    }

    #[test]
    fn produce_is_keyed_by_its_plu() {
        let text = "barcode,name,price\n4011,Pisang,2500\n94011,Pisang Organik,3500\n";
        let rows = parse(text, "c").unwrap();
        assert_eq!((rows[0].barcode.as_str(), rows[1].barcode.as_str()), ("4011", "94011"));
        // 5011 is outside the PLU ranges and no GTIN.
        assert!(reason("barcode,name,price\n5011,X,1\n").contains("nor a PLU"));
    }

    #[test]
    fn crlf_files_report_the_same_lines() {
        let crlf = format!("{GOOD}8991101000070,Again,1000,x\n").replace('\n', "\r\n");
        assert_eq!(reason(&crlf), "cat.csv: line 4: barcode 8991101000070 already on line 2");
    }

    #[test]
    fn upc_a_is_keyed_as_its_gtin13_and_duplicates_across_forms_are_caught() {
        // 036000291452 is a UPC-A with a valid check digit (worked by hand).
        let rows = parse("barcode,name,price\n036000291452,Tisu,5000\n", "c").unwrap();
        assert_eq!(rows[0].barcode, "0036000291452");
        let both = "barcode,name,price\n036000291452,Tisu,5000\n0036000291452,Tisu,5000\n";
        assert_eq!(
            parse(both, "c").unwrap_err().to_string(),
            "c: line 3: barcode 0036000291452 already on line 2"
        );
    }

    #[test]
    fn absurd_price_is_refused() {
        let text = "barcode,name,price\n8991101000070,TV,6148914691236517539\n";
        assert!(reason(text).contains("line 2: price"), "{}", reason(text));
        let text = "barcode,name,price\n8991101000070,TV,1000000001\n";
        assert!(reason(text).contains("above Rp 1.000.000.000"), "{}", reason(text));
    }

    #[test]
    fn reimport_numbers_only_what_changed() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../../migrations/central/0001_init.sql")).unwrap();
        conn.execute_batch(include_str!("../../../migrations/central/0009_restricted.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../../../migrations/central/0011_product_image.sql"))
            .unwrap();
        let none = Pictures::default();
        let first = import(&mut conn, &parse(GOOD, "a").unwrap(), &none).unwrap();
        assert_eq!((first.added, first.changed, first.removed), (2, 0, 0));
        let second_file = "barcode,name,price,category\n\
            8991101000070,MamyPoko Pants M 34,91000,bayi-ibu\n\
            8991101000285,Sweety Silver Pants M 30,79000,bayi-ibu\n";
        let second = import(&mut conn, &parse(second_file, "b").unwrap(), &none).unwrap();
        assert_eq!((second.added, second.changed, second.removed), (1, 1, 1));
        // seq 1, 2 from the first import; 3 (changed), 4 (added), 5 (removed).
        let seqs: Vec<(String, i64, bool)> = conn
            .prepare("SELECT barcode, seq, deleted FROM product ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            seqs,
            vec![
                ("8991101000070".into(), 3, false),
                ("8991101000285".into(), 4, false),
                ("8991101000179".into(), 5, true),
            ]
        );
    }
}
