//! The keyed pseudonyms a pass over a line wrote, so that a settling pass
//! over its output keeps those and keys any other address (one a removal
//! formed out of the bytes around it).

/// The pseudonyms a pass wrote: the first few inline (a line holds one or
/// two: no allocation per line),
/// more in a Vec.
#[derive(Clone, Debug, Default)]
pub(crate) struct Written {
    inline: [u128; 4],
    n: usize,
    more: Vec<u128>,
}

/// No pseudonym written (what a first pass keeps: it keeps none).
pub(super) static NONE_WRITTEN: Written = Written {
    inline: [0; 4],
    n: 0,
    more: Vec::new(),
};

impl Written {
    #[inline]
    pub(super) fn push(&mut self, p: u128) {
        if self.n < self.inline.len() {
            self.inline[self.n] = p;
            self.n += 1;
        } else {
            self.more.push(p);
        }
    }

    pub(super) fn contains(&self, p: &u128) -> bool {
        self.inline[..self.n].contains(p) || self.more.contains(p)
    }

    pub(super) fn extend(&mut self, o: Written) {
        for &p in &o.inline[..o.n] {
            self.push(p);
        }
        for p in o.more {
            self.push(p);
        }
    }
}
