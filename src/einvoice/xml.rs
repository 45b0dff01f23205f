//! A small writer for the fixed shape of a UBL document: elements in the order the caller
//! gives them, two-space indentation, every text and attribute value escaped. No XML
//! library is needed to write a tree this plain, and this one also drops the characters
//! XML 1.0 cannot carry at all (C0 controls other than tab and line breaks), which an
//! escaping writer would pass through into a document no receiver can parse.

pub(super) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    pub fn new() -> Self {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }

    pub fn open(&mut self, tag: &str) {
        self.open_attrs(tag, &[]);
    }

    pub fn open_attrs(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.start(tag, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    pub fn leaf(&mut self, tag: &str, text: &str) {
        self.leaf_attrs(tag, &[], text);
    }

    /// An element with text; none at all when the text is blank, since Peppol refuses
    /// empty elements (PEPPOL-EN16931-R008).
    pub fn leaf_attrs(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.start(tag, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text.trim(), false);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// An amount in minor units, written with exactly two decimals.
    pub fn amount(&mut self, tag: &str, minor: i64, currency: &str) {
        self.leaf_attrs(tag, &[("currencyID", currency)], &decimal2(minor));
    }

    pub fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn start(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

/// `12345` → `123.45`, `-5` → `-0.05`: from integers, so no rounding can creep in.
pub(super) fn decimal2(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            // Line breaks in attributes would be normalised to spaces by a parser.
            '\n' | '\r' | '\t' if attribute => out.push(' '),
            '\n' | '\r' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_two_decimals() {
        assert_eq!(decimal2(0), "0.00");
        assert_eq!(decimal2(5), "0.05");
        assert_eq!(decimal2(-5), "-0.05");
        assert_eq!(decimal2(1_337_500), "13375.00");
        assert_eq!(decimal2(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut x = Xml::new();
        x.leaf_attrs("a", &[("n", "x\"<&\n")], "Råd & <b>\u{1}ok\u{FFFE}");
        let s = String::from_utf8(x.finish()).unwrap();
        assert!(s.ends_with("<a n=\"x&quot;&lt;&amp; \">Råd &amp; &lt;b&gt;ok</a>\n"));
        assert!(roxmltree::Document::parse(&s).is_ok());
    }

    #[test]
    fn blank_text_writes_no_element() {
        let mut x = Xml::new();
        x.leaf("a", " ");
        x.leaf("b", "");
        assert_eq!(
            String::from_utf8(x.finish()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        );
    }
}
