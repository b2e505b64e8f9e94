//! How deep an expression nests, measured on its tokens before a parser that
//! recurses sees it.
//!
//! Cedar's parser and minijinja's compiler recurse once (or more) per level
//! of an expression's tree, and a tree deep enough overflows the thread's
//! stack: the process aborts, which is never an acceptable answer to bad
//! input. Deep trees come from brackets (`((((x))))`) and just as well from
//! flat chains of operators (`1 + 1 + 1 + …`, `a.b.c.d…`), so counting
//! brackets is not enough. Each format's lexer (`policy::bounds`,
//! `render::bounds`) feeds its tokens to a [`Meter`], which keeps an upper
//! bound on the depth of the tree being read:
//!
//! - a bracket opens a level, which counts 1, and a separator (`,` in a
//!   list, `:` in a record) starts a sibling part of it;
//! - in a part, operators of one precedence class (`||`, or `+` and `-`)
//!   count one each for a run of them, and a run ends at an operator of a
//!   lower class: in `a.b == 1 || c.d == 2 || …` the `==`s and `.`s are on
//!   different branches of the `||`s, which alone make the tree deeper;
//! - a part counts the longest run of each class, added up, plus its
//!   deepest bracket group; a level counts 1 + its deepest part.
//!
//! A tree's path from root to leaf meets the operators of one class only
//! within one such run, so the bound never under-counts, and it only grows
//! as tokens arrive: the first token that takes it past a limit is where the
//! limit is crossed. A format that does not tell classes apart puts every
//! operator in class 0, and then every operator counts.

/// The number of precedence classes, 0 the loosest.
pub const CLASSES: usize = 8;

/// An upper bound on the depth of the expression read so far.
#[derive(Debug)]
pub struct Meter {
    /// The open levels, outermost first; the first is the statement itself
    /// and is never closed.
    levels: Vec<Level>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Level {
    /// The current run of operators of each class in the current part.
    runs: [usize; CLASSES],
    /// The longest run of each class in the current part.
    longest: [usize; CLASSES],
    /// The deepest closed bracket group in the current part.
    child: usize,
    /// The deepest earlier part.
    best: usize,
    /// This level's depth, the open group inside it included.
    depth: usize,
}

impl Level {
    fn part(&self) -> usize {
        self.longest.iter().sum::<usize>() + self.child
    }
}

impl Default for Meter {
    fn default() -> Self {
        Self::new()
    }
}

impl Meter {
    pub fn new() -> Self {
        let mut meter = Self { levels: Vec::new() };
        meter.end();
        meter
    }

    /// The bound on the depth of the statement read so far.
    pub fn depth(&self) -> usize {
        self.levels[0].depth
    }

    /// An opening bracket.
    pub fn open(&mut self) {
        self.levels.push(Level::default());
        self.update();
    }

    /// A closing bracket; one with no opening bracket is left to the parser.
    pub fn close(&mut self) {
        if self.levels.len() > 1 {
            let closed = self.levels.pop().map_or(0, |level| level.depth);
            let top = self.top();
            top.child = top.child.max(closed);
        }
        self.update();
    }

    /// An operator of precedence `class` (0 the loosest).
    pub fn operator(&mut self, class: usize) {
        let class = class.min(CLASSES - 1);
        let top = self.top();
        top.runs[class] += 1;
        top.longest[class] = top.longest[class].max(top.runs[class]);
        top.runs[class + 1..].fill(0);
        self.update();
    }

    /// A boundary between operands that ends the runs of `class` and
    /// tighter ones without counting (`then` and `else` in Cedar).
    pub fn boundary(&mut self, class: usize) {
        self.top().runs[class.min(CLASSES - 1)..].fill(0);
    }

    /// A separator between sibling parts (`,` in a list, `:` in a record).
    pub fn separator(&mut self) {
        let top = self.top();
        top.best = top.best.max(top.part());
        top.runs = [0; CLASSES];
        top.longest = [0; CLASSES];
        top.child = 0;
    }

    /// The end of a statement: the next one is measured afresh.
    pub fn end(&mut self) {
        self.levels.clear();
        self.levels.push(Level {
            depth: 1,
            ..Level::default()
        });
    }

    fn top(&mut self) -> &mut Level {
        let last = self.levels.len() - 1;
        &mut self.levels[last]
    }

    /// Recomputes the depths from the innermost level out, stopping where
    /// one does not change (depths only grow).
    fn update(&mut self) {
        let mut inner = 0;
        for level in self.levels.iter_mut().rev() {
            let part = level.longest.iter().sum::<usize>() + level.child.max(inner);
            let depth = 1 + level.best.max(part);
            if depth == level.depth {
                break;
            }
            level.depth = depth;
            inner = depth;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest bound over a token string: `(`/`)` brackets, `|` and `+`
    /// operators of classes 1 and 4, `.` of class 7, `,` separators, `;`
    /// statement ends.
    fn measure(tokens: &str) -> usize {
        let mut meter = Meter::new();
        let mut deepest = meter.depth();
        for token in tokens.chars() {
            match token {
                '(' => meter.open(),
                ')' => meter.close(),
                '|' => meter.operator(1),
                '+' => meter.operator(4),
                '.' => meter.operator(7),
                ',' => meter.separator(),
                ';' => meter.end(),
                _ => {}
            }
            deepest = deepest.max(meter.depth());
        }
        deepest
    }

    #[test]
    fn brackets_and_operators_both_count() {
        assert_eq!(measure("x"), 1);
        assert_eq!(measure("((x))"), 3);
        assert_eq!(measure("x+x+x"), 3);
        assert_eq!(measure("(x+x)+x"), 4);
        // Operators after a group count on top of it.
        assert_eq!(measure("((x))+x+x"), 5);
        assert_eq!(measure("x+((x))"), 4);
    }

    #[test]
    fn a_looser_operator_ends_the_runs_of_tighter_ones() {
        // x.a + x.b | x.c + x.d | x.e: 2 `|`, then at most one `+` and one `.`.
        assert_eq!(measure("x.a+x.b|x.c+x.d|x.e"), 1 + 2 + 1 + 1);
        // A tighter operator does not end a looser run.
        assert_eq!(measure("x|x.a|x.b|x"), 1 + 3 + 1);
        assert_eq!(measure("x.a.b.c"), 4);
    }

    #[test]
    fn siblings_count_once_and_statements_apart() {
        assert_eq!(measure("(x+x, x+x, x+x)"), 3);
        assert_eq!(measure("((x), (x), (x))"), 3);
        assert_eq!(measure("(((x)));(x)"), 4);
        // A stray closing bracket is left to the parser.
        assert_eq!(measure("))x+x"), 2);
    }

    #[test]
    fn the_bound_only_grows_within_a_statement() {
        let tokens = "(x+(x,x+x|x.x),(x.x.x+x))+x,(((x)))|x.x+x.x.x";
        let mut meter = Meter::new();
        let mut last = meter.depth();
        for token in tokens.chars() {
            match token {
                '(' => meter.open(),
                ')' => meter.close(),
                '|' => meter.operator(1),
                '+' => meter.operator(4),
                '.' => meter.operator(7),
                ',' => meter.separator(),
                _ => {}
            }
            assert!(meter.depth() >= last, "{token}");
            last = meter.depth();
        }
    }
}
