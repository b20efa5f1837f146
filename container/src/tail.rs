//! Keeps the last few KiB of a stream while draining all of it.

pub const TAIL_BYTES: usize = 4096;

#[derive(Debug, Default)]
pub struct Tail {
    buf: Vec<u8>,
    pub total: u64,
}

impl Tail {
    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > 2 * TAIL_BYTES {
            let cut = self.buf.len() - TAIL_BYTES;
            self.buf.drain(..cut);
        }
    }

    /// The last TAIL_BYTES as text, starting on a character boundary.
    pub fn text(&self) -> String {
        let start = self.buf.len().saturating_sub(TAIL_BYTES);
        let mut bytes = self.buf.get(start..).unwrap_or_default();
        while let Some((&first, rest)) = bytes.split_first() {
            if first & 0b1100_0000 != 0b1000_0000 {
                break;
            }
            bytes = rest;
        }
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_last_bytes_on_a_char_boundary() {
        let mut tail = Tail::default();
        for _ in 0..5000 {
            tail.push("é".as_bytes());
        }
        let text = tail.text();
        assert!(text.len() <= TAIL_BYTES);
        assert!(text.chars().all(|c| c == 'é'), "no replacement characters");
        assert_eq!(tail.total, 10_000);
    }
}
