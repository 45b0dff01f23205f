//! Text to lines: word wrap, and cutting with an ellipsis.

use crate::pdf::page::{FontStyle, Measure};

/// `text` cut with an ellipsis so that it fits `width`.
pub(super) fn fit(
    measure: &dyn Measure,
    text: &str,
    style: FontStyle,
    size: f32,
    width: f32,
) -> String {
    if measure.width(style, text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for ch in text.chars() {
        out.push(ch);
        if measure.width(style, &format!("{out}…"), size) > width {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// Greedy word wrap at spaces (never at no-break spaces); a word wider than the line is
/// broken between characters. Hard line breaks in the text are kept.
pub fn wrap(
    measure: &dyn Measure,
    text: &str,
    style: FontStyle,
    size: f32,
    width: f32,
) -> Vec<String> {
    let mut out = Vec::new();
    let space = measure.width(style, " ", size);
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let w = measure.width(style, word, size);
            if !line.is_empty() && line_w + space + w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if w <= width {
                line.push_str(word);
                line_w = w;
            } else {
                // Too long for any line: break it where it overflows.
                let mut piece = String::new();
                for ch in word.chars() {
                    piece.push(ch);
                    if measure.width(style, &piece, size) > width && piece.chars().count() > 1 {
                        piece.pop();
                        out.push(std::mem::take(&mut piece));
                        piece.push(ch);
                    }
                }
                line_w = measure.width(style, &piece, size);
                line = piece;
            }
        }
        out.push(line);
    }
    while out.len() > 1 && out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}
