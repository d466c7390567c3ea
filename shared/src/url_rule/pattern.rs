//! A small regular-expression matcher for URL rules.
//!
//! The `regex` crates cost the widget more bytes than its budget allows, so this is a compact
//! backtracking matcher for the subset URL rules need: literals, `.`, `^`, `$`, classes
//! (`[a-z0-9_-]`, `[^/]`), `\d \w \s \D \W \S`, escaped punctuation (`\.`, `\/`, `\?`), groups
//! `( … )` and `(?: … )`, `|`, and `* + ? {n} {n,} {n,m}`, greedy or lazy (`*?`). Like
//! `regex::Regex::is_match`, it searches anywhere in the text unless anchored with `^`/`$`.
//!
//! Where it differs from the `regex` crate, on purpose:
//! - `\d`, `\w` and `\s` are ASCII classes: browsers give URLs percent-encoded. Literals, `.` and
//!   ranges work on whole characters, so non-ASCII text still matches as written.
//! - Backreferences, lookaround, flags, named groups and escapes such as `\b` are refused when
//!   the pattern compiles, as are patterns over [`MAX_PATTERN_LEN`] bytes and counts over
//!   [`MAX_REPEAT`]: a rule that cannot work is reported when it is saved, not ignored later.
//! - A search takes at most [`STEP_BUDGET`] steps, and one that runs out answers `false`: the
//!   rule fails closed rather than freeze the host page. The search remembers the states it
//!   already tried, so it does linear work per instruction, and ordinary rules on ordinary URLs
//!   (even blow-ups such as `(a*)*b`) finish far below the budget.

pub const MAX_PATTERN_LEN: usize = 512;
pub const MAX_REPEAT: u32 = 1_000;
pub const STEP_BUDGET: usize = 100_000;
/// Counted repetitions are expanded into copies; this bounds the program they make.
const MAX_PROGRAM: usize = 10_000;
/// The memory of tried states takes program length × (text length + 1) bits; past 512 KiB the
/// search runs on the step budget alone.
const MAX_MEMO_BITS: usize = 1 << 22;

/// Why a pattern does not compile, e.g. `unclosed group at byte 7`.
///
/// Kept as data and worded only when displayed: the widget, which only needs to know that a
/// rule cannot match, then carries none of the wording code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(Problem);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    At(usize, &'static str),
    Unmatched(usize, char),
    ClassRange(usize, char, char),
    Escape(usize, char),
    MinAboveMax(usize, u32, u32),
    RepeatAbove(usize),
    TooLong(usize),
    TooLarge,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Problem::At(at, what) => write!(f, "{what} at byte {at}"),
            Problem::Unmatched(at, c) => write!(f, "unmatched {c} at byte {at}"),
            Problem::ClassRange(at, lo, hi) => {
                write!(f, "invalid class range {lo}-{hi} at byte {at}")
            }
            Problem::Escape(at, c) => write!(f, "unsupported escape \\{c} at byte {at}"),
            Problem::MinAboveMax(at, min, max) => write!(
                f,
                "repetition {{{min},{max}}} has its minimum above its maximum at byte {at}"
            ),
            Problem::RepeatAbove(at) => {
                write!(f, "repetition count above {MAX_REPEAT} at byte {at}")
            }
            Problem::TooLong(len) => write!(
                f,
                "pattern is {len} bytes long, at most {MAX_PATTERN_LEN} are allowed"
            ),
            Problem::TooLarge => {
                f.write_str("pattern is too large once its repetitions are expanded")
            }
        }
    }
}

impl std::error::Error for PatternError {}

fn fail<T>(at: usize, what: &'static str) -> Result<T, PatternError> {
    Err(PatternError(Problem::At(at, what)))
}

fn problem<T>(problem: Problem) -> Result<T, PatternError> {
    Err(PatternError(problem))
}

const BAD_REPETITION: &str = "invalid repetition, write {n}, {n,} or {n,m}";

/// A compiled pattern: a program for a backtracking machine. Compile once, match many times.
#[derive(Debug, Clone)]
pub struct Regex {
    prog: Vec<Inst>,
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    /// Any character but a newline, as in the `regex` crate.
    Any,
    Class {
        negated: bool,
        items: Vec<Item>,
    },
    Start,
    End,
    /// Try the first target; if that fails, the second.
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Range(char, char),
    /// `\d`, `\w` or `\s` by its letter, negated when the flag is set (`\D`, `\W`, `\S`).
    Perl(char, bool),
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return problem(Problem::TooLong(pattern.len()));
        }
        let mut parser = Parser {
            chars: pattern.char_indices().collect(),
            i: 0,
            len: pattern.len(),
            prog: Vec::new(),
        };
        parser.alternation()?;
        if parser.peek(0).is_some() {
            // `alternation` stops early only at a `)` that no group opened.
            return fail(parser.at(), "unmatched )");
        }
        parser.prog.push(Inst::Match);
        Ok(Self { prog: parser.prog })
    }

    /// Whether the pattern matches anywhere in `text`. Also `false` when the search runs out of
    /// its [`STEP_BUDGET`]: a rule that cannot decide in time does not match.
    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let width = text.len() + 1;
        // Bit `pc * width + pos` is set once that state ran. Whether a state can reach `Match`
        // does not depend on where the search started, so the bits hold across start positions.
        let mut tried = self
            .prog
            .len()
            .checked_mul(width)
            .filter(|&bits| bits <= MAX_MEMO_BITS)
            .map(|bits| vec![0u64; bits.div_ceil(64)]);
        let mut steps = 0;
        // The alternatives still to try, as (instruction, position).
        let mut stack = Vec::new();
        for start in 0..width {
            stack.push((0, start));
            while let Some((mut pc, mut pos)) = stack.pop() {
                loop {
                    steps += 1;
                    if steps > STEP_BUDGET {
                        return false;
                    }
                    if let Some(tried) = &mut tried {
                        let (word, bit) = ((pc * width + pos) / 64, 1 << ((pc * width + pos) % 64));
                        if tried[word] & bit != 0 {
                            break;
                        }
                        tried[word] |= bit;
                    }
                    match &self.prog[pc] {
                        Inst::Split(first, second) => {
                            stack.push((*second, pos));
                            pc = *first;
                        }
                        Inst::Jmp(to) => pc = *to,
                        Inst::Match => return true,
                        Inst::Start if pos == 0 => pc += 1,
                        Inst::End if pos == text.len() => pc += 1,
                        inst if text.get(pos).is_some_and(|&c| inst.accepts(c)) => {
                            (pc, pos) = (pc + 1, pos + 1);
                        }
                        _ => break,
                    }
                }
            }
        }
        false
    }
}

/// A compiled program as text, for the device: the collector compiles each pattern when it
/// serves a site's configuration, and the widget runs the program without carrying a parser
/// (which would cost its bundle more than this format's reader).
///
/// Instructions separated by spaces: `c<code point>`, `.` (any), `^`, `$`, `s<first>,<second>`
/// (split), `j<target>` (jump), `m` (match), and a class as `k` (or `K`, negated) followed by
/// its members, each `,<low>-<high>` (code points) or `,d`/`,w`/`,s` (`D`, `W`, `S` negated).
/// `^a+$` is `^ c97 s3,5 c97 j2 $ m`.
impl Regex {
    pub fn program(&self) -> String {
        let words: Vec<String> = self
            .prog
            .iter()
            .map(|inst| match inst {
                Inst::Char(c) => format!("c{}", u32::from(*c)),
                Inst::Any => ".".into(),
                Inst::Start => "^".into(),
                Inst::End => "$".into(),
                Inst::Split(first, second) => format!("s{first},{second}"),
                Inst::Jmp(to) => format!("j{to}"),
                Inst::Match => "m".into(),
                Inst::Class { negated, items } => {
                    let mut word = String::from(if *negated { "K" } else { "k" });
                    for item in items {
                        word.push(',');
                        match item {
                            Item::Range(lo, hi) => {
                                word.push_str(&format!("{}-{}", u32::from(*lo), u32::from(*hi)))
                            }
                            Item::Perl(class, false) => word.push(*class),
                            Item::Perl(class, true) => word.push(class.to_ascii_uppercase()),
                        }
                    }
                    word
                }
            })
            .collect();
        words.join(" ")
    }

    /// Reads a [`program`](Self::program); `None` if it is not one. A program whose jumps
    /// leave it, or that does not end in a match, is refused: the machine never runs off it.
    pub fn from_program(program: &str) -> Option<Self> {
        let mut prog = Vec::new();
        for word in program.split(' ') {
            let mut chars = word.chars();
            let op = chars.next()?;
            let rest = chars.as_str();
            let mut numbers = rest.split(',').map(|n| n.parse::<u32>().ok());
            let mut number = || numbers.next().flatten();
            prog.push(match op {
                'c' => Inst::Char(char::from_u32(number()?)?),
                '.' => Inst::Any,
                '^' => Inst::Start,
                '$' => Inst::End,
                's' => Inst::Split(number()? as usize, number()? as usize),
                'j' => Inst::Jmp(number()? as usize),
                'm' => Inst::Match,
                'k' | 'K' => Inst::Class {
                    negated: op == 'K',
                    items: rest
                        .split(',')
                        .skip(1)
                        .map(Item::read)
                        .collect::<Option<_>>()?,
                },
                _ => return None,
            });
        }
        let len = prog.len();
        let inside = prog.iter().all(|inst| match *inst {
            Inst::Split(first, second) => first < len && second < len,
            Inst::Jmp(to) => to < len,
            _ => true,
        });
        (inside && matches!(prog.last(), Some(Inst::Match))).then_some(Self { prog })
    }
}

impl Item {
    /// One class member of a program: `97-122`, or a Perl class by its letter.
    fn read(word: &str) -> Option<Item> {
        match word.split_once('-') {
            Some((lo, hi)) => Some(Item::Range(
                char::from_u32(lo.parse().ok()?)?,
                char::from_u32(hi.parse().ok()?)?,
            )),
            None => match word {
                "d" | "w" | "s" => Some(Item::Perl(word.chars().next()?, false)),
                "D" | "W" | "S" => {
                    Some(Item::Perl(word.chars().next()?.to_ascii_lowercase(), true))
                }
                _ => None,
            },
        }
    }
}

impl Inst {
    fn accepts(&self, c: char) -> bool {
        match self {
            Inst::Char(want) => c == *want,
            Inst::Any => c != '\n',
            Inst::Class { negated, items } => items.iter().any(|item| item.accepts(c)) != *negated,
            _ => false,
        }
    }

    /// The same instruction moved `by` places further down the program.
    fn shifted(&self, by: usize) -> Inst {
        match *self {
            Inst::Split(first, second) => Inst::Split(first + by, second + by),
            Inst::Jmp(to) => Inst::Jmp(to + by),
            ref inst => inst.clone(),
        }
    }
}

impl Item {
    fn accepts(self, c: char) -> bool {
        match self {
            Item::Range(lo, hi) => (lo..=hi).contains(&c),
            Item::Perl(class, negated) => {
                negated
                    != match class {
                        'd' => c.is_ascii_digit(),
                        'w' => c.is_ascii_alphanumeric() || c == '_',
                        // Space, \t, \n, \v, \f, \r: the `regex` crate's ASCII `\s`.
                        _ => matches!(c, ' ' | '\t'..='\r'),
                    }
            }
        }
    }
}

/// Compiles as it parses. Every piece of the program it makes is self-contained (its jumps
/// stay inside it), so a piece can be copied for `{n,m}` or moved to make room for a `Split`.
struct Parser {
    chars: Vec<(usize, char)>,
    i: usize,
    len: usize,
    prog: Vec<Inst>,
}

impl Parser {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).map(|&(_, c)| c)
    }

    /// The byte offset of the next character, for error messages.
    fn at(&self) -> usize {
        self.chars.get(self.i).map_or(self.len, |&(at, _)| at)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0);
        self.i += 1;
        c
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek(0) == Some(c);
        self.i += usize::from(found);
        found
    }

    /// `a|b|c` becomes `Split(a, next); a; Jmp(end); next: Split(b, next'); b; Jmp(end); next': c`.
    fn alternation(&mut self) -> Result<(), PatternError> {
        let mut fork = self.prog.len();
        let mut jumps = Vec::new();
        self.concat()?;
        while self.eat('|') {
            self.prog.insert(fork, Inst::Match); // the Split, patched below
            for inst in &mut self.prog[fork + 1..] {
                *inst = inst.shifted(1);
            }
            jumps.push(self.prog.len());
            self.prog.push(Inst::Match); // the Jmp(end), patched at the end
            self.prog[fork] = Inst::Split(fork + 1, self.prog.len());
            fork = self.prog.len();
            self.concat()?;
        }
        let end = self.prog.len();
        for jump in jumps {
            self.prog[jump] = Inst::Jmp(end);
        }
        Ok(())
    }

    fn concat(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.peek(0).filter(|c| !matches!(c, '|' | ')')) {
            let (at, start) = (self.at(), self.prog.len());
            self.i += 1;
            let inst = match c {
                '(' => {
                    self.group(at)?;
                    None
                }
                '[' => Some(self.class(at)?),
                '\\' => Some(match self.escape(at)? {
                    Item::Range(c, _) => Inst::Char(c),
                    perl => Inst::Class {
                        negated: false,
                        items: vec![perl],
                    },
                }),
                '.' => Some(Inst::Any),
                '^' => Some(Inst::Start),
                '$' => Some(Inst::End),
                '*' | '+' | '?' | '{' => {
                    return fail(at, "quantifier with nothing to repeat");
                }
                // Stray closers are typos far more often than literals in a URL rule.
                ']' | '}' => return problem(Problem::Unmatched(at, c)),
                c => Some(Inst::Char(c)),
            };
            self.prog.extend(inst);
            self.quantifier(start)?;
        }
        Ok(())
    }

    /// Repeats the atom compiled at `prog[start..]` if a quantifier follows it.
    fn quantifier(&mut self, start: usize) -> Result<(), PatternError> {
        let at = self.at();
        let Some(q @ ('*' | '+' | '?' | '{')) = self.peek(0) else {
            return Ok(());
        };
        self.i += 1;
        let (min, max) = match q {
            '*' => (0, None),
            '+' => (1, None),
            '?' => (0, Some(1)),
            _ => self.counts(at)?,
        };
        let greedy = !self.eat('?');
        if let Some('*' | '+' | '?' | '{') = self.peek(0) {
            return fail(self.at(), "quantifier with nothing to repeat");
        }
        // `min` copies, then `max - min` optional ones: `Split(body, out); body; …; out:`. With
        // no `max`, a single optional copy that jumps back to its `Split`.
        let atom = self.prog.split_off(start);
        for _ in 0..min {
            self.append(&atom, start)?;
        }
        let mut forks = Vec::new();
        for _ in min..max.unwrap_or(min + 1) {
            forks.push(self.prog.len());
            self.prog.push(Inst::Match); // the Split, patched below
            self.append(&atom, start)?;
        }
        if let (None, Some(&fork)) = (max, forks.first()) {
            self.prog.push(Inst::Jmp(fork));
        }
        let out = self.prog.len();
        for fork in forks {
            self.prog[fork] = match greedy {
                true => Inst::Split(fork + 1, out),
                false => Inst::Split(out, fork + 1),
            };
        }
        Ok(())
    }

    /// Appends a copy of `code`, which was compiled at `base`.
    fn append(&mut self, code: &[Inst], base: usize) -> Result<(), PatternError> {
        let by = self.prog.len() - base;
        self.prog.extend(code.iter().map(|inst| inst.shifted(by)));
        if self.prog.len() > MAX_PROGRAM {
            return problem(Problem::TooLarge);
        }
        Ok(())
    }

    /// `{n}`, `{n,}` or `{n,m}`, after the `{` at byte `open`.
    fn counts(&mut self, open: usize) -> Result<(u32, Option<u32>), PatternError> {
        let min = self.count(open)?;
        let max = match (self.eat(','), self.peek(0)) {
            (false, _) => Some(min),
            (true, Some('}')) => None,
            (true, _) => Some(self.count(open)?),
        };
        if !self.eat('}') {
            return fail(open, BAD_REPETITION);
        }
        match max {
            Some(max) if max < min => problem(Problem::MinAboveMax(open, min, max)),
            _ => Ok((min, max)),
        }
    }

    fn count(&mut self, open: usize) -> Result<u32, PatternError> {
        let start = self.i;
        let mut n: u32 = 0;
        while let Some(digit) = self.peek(0).and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(digit);
            self.i += 1;
        }
        match n {
            _ if self.i == start => fail(open, BAD_REPETITION),
            n if n > MAX_REPEAT => problem(Problem::RepeatAbove(open)),
            n => Ok(n),
        }
    }

    /// After the `(` at byte `open`.
    fn group(&mut self, open: usize) -> Result<(), PatternError> {
        if self.eat('?') && !self.eat(':') {
            let what = match (self.peek(0), self.peek(1)) {
                (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')) => {
                    "lookaround is not supported"
                }
                _ => "unsupported group syntax, only (?: … ) is allowed",
            };
            return fail(open, what);
        }
        self.alternation()?;
        match self.eat(')') {
            true => Ok(()),
            false => fail(open, "unclosed group"),
        }
    }

    /// After the `[` at byte `open`.
    fn class(&mut self, open: usize) -> Result<Inst, PatternError> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        // A `]` first is a literal, as in the `regex` crate: `[]]`.
        while items.is_empty() || !self.eat(']') {
            let at = self.at();
            let item = self.class_member(open)?;
            match (item, self.peek(0), self.peek(1)) {
                // `a-z` is a range; a `-` first or last is itself.
                (Item::Range(lo, _), Some('-'), Some(next)) if next != ']' => {
                    self.i += 1;
                    match self.class_member(open)? {
                        Item::Range(hi, _) if hi >= lo => items.push(Item::Range(lo, hi)),
                        Item::Range(hi, _) => {
                            return problem(Problem::ClassRange(at, lo, hi));
                        }
                        Item::Perl(..) => {
                            return fail(at, "a class such as \\d cannot end a range");
                        }
                    }
                }
                _ => items.push(item),
            }
        }
        Ok(Inst::Class { negated, items })
    }

    /// A character, an escape or a Perl class inside the class opened at byte `open`.
    fn class_member(&mut self, open: usize) -> Result<Item, PatternError> {
        let at = self.at();
        match self.bump() {
            None => fail(open, "unclosed character class"),
            Some('[') => fail(at, "nested classes are not supported"),
            Some('\\') => self.escape(at),
            Some(c) => Ok(Item::Range(c, c)),
        }
    }

    /// After the `\` at byte `at`: a literal (as a one-character range) or a Perl class.
    fn escape(&mut self, at: usize) -> Result<Item, PatternError> {
        match self.bump() {
            None => fail(at, "trailing backslash"),
            Some(c @ ('d' | 'w' | 's' | 'D' | 'W' | 'S')) => {
                Ok(Item::Perl(c.to_ascii_lowercase(), c.is_ascii_uppercase()))
            }
            Some('n') => Ok(Item::Range('\n', '\n')),
            Some('t') => Ok(Item::Range('\t', '\t')),
            Some('r') => Ok(Item::Range('\r', '\r')),
            Some('1'..='9') => fail(at, "backreferences are not supported"),
            // `\<` and `\>` are word boundaries in the `regex` crate: refuse them, do not guess.
            Some(c) if c.is_ascii_punctuation() && !matches!(c, '<' | '>') => Ok(Item::Range(c, c)),
            Some(c) => problem(Problem::Escape(at, c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, expected: bool) {
        let re = Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern:?}: {e}"));
        assert_eq!(re.is_match(text), expected, "{pattern:?} on {text:?}");
    }

    #[test]
    fn matches() {
        let table = [
            // Literals, searched anywhere unless anchored.
            ("checkout", "https://shop.example/checkout/done", true),
            ("checkout", "https://shop.example/cart", false),
            ("", "", true),
            ("", "anything", true),
            (
                "^https://shop\\.example/",
                "https://shop.example/cart",
                true,
            ),
            ("^shop", "https://shop.example/", false),
            ("/done$", "https://shop.example/checkout/done", true),
            ("/done$", "https://shop.example/done/later", false),
            ("^$", "", true),
            ("^$", "x", false),
            ("a^b", "a^b", false),
            // `.` is any character but a newline, and a whole character.
            ("^a.c$", "abc", true),
            ("^a.c$", "a한c", true),
            ("^a.c$", "a\nc", false),
            ("^...$", "한국어", true),
            ("\\.", "shopexample", false),
            ("\\.", "shop.example", true),
            // Classes.
            ("^[a-z0-9_-]+$", "order_42-b", true),
            ("^[a-z0-9_-]+$", "Order", false),
            ("/product/[^/]+$", "https://x/product/77", true),
            ("/product/[^/]+$", "https://x/product/77/reviews", false),
            ("/product/[^/]+$", "https://x/product/", false),
            ("^[-a]+$", "-a-", true),
            ("^[]a]+$", "]a]", true),
            ("^[가-힣]+$", "한국", true),
            ("^[^가-힣]+$", "한국", false),
            ("^[\\d.]+$", "1.25", true),
            ("^[\\]\\\\]$", "\\", true),
            // Perl classes, ASCII only.
            ("/order/\\d+", "/order/123", true),
            ("/order/\\d+", "/order/abc", false),
            ("^\\w+$", "snake_case9", true),
            ("^\\w+$", "café", false),
            ("\\s", "a b", true),
            ("^\\S+$", "a b", false),
            ("^\\D+$", "abc", true),
            ("^\\W$", "/", true),
            ("^\\W$", "_", false),
            // Escaped metacharacters.
            ("\\?page=\\d", "/list?page=2", true),
            ("^\\/a\\/$", "/a/", true),
            ("\\(\\)\\[\\]\\{\\}\\*\\+\\|\\^\\$", "()[]{}*+|^$", true),
            ("\\t", "a\tb", true),
            // Groups and alternation.
            (
                "^https?://(www\\.)?shop\\.example/",
                "http://shop.example/",
                true,
            ),
            (
                "^https?://(www\\.)?shop\\.example/",
                "https://www.shop.example/",
                true,
            ),
            (
                "^https?://(www\\.)?shop\\.example/",
                "https://m.shop.example/",
                false,
            ),
            ("/(cart|checkout)$", "/checkout", true),
            ("/(cart|checkout)$", "/carts", false),
            ("^(?:ab)+$", "ababab", true),
            ("^(?:ab)+$", "ababa", false),
            ("^(a|)$", "", true),
            ("^()$", "", true),
            ("a|b|c", "xxc", true),
            ("^a|b$", "xxb", true),
            ("^a|b$", "xbx", false),
            ("^(a|ab)(c|bcd)$", "abcd", true),
            // Quantifiers.
            ("^a*$", "", true),
            ("^a+$", "", false),
            ("^colou?r$", "color", true),
            ("^colou?r$", "colouur", false),
            ("^a{3}$", "aaa", true),
            ("^a{3}$", "aa", false),
            ("^a{3}$", "aaaa", false),
            ("^a{2,}$", "aaaaa", true),
            ("^a{2,}$", "a", false),
            ("^a{2,3}$", "aaa", true),
            ("^a{2,3}$", "aaaa", false),
            ("^a{0}$", "", true),
            ("^(?:ab){1,2}c$", "ababc", true),
            ("^\\d{1000}$", &"7".repeat(1000), true),
            // Lazy forms answer the same for a yes/no match.
            ("^a*?b$", "aab", true),
            ("^a+?$", "aaa", true),
            ("^a??b$", "b", true),
            ("^a{2,3}?$", "aaaa", false),
            // Nested and empty loops terminate.
            ("^(a*)*$", "aaaa", true),
            ("^(a*)*b$", "aaaa", false),
            ("^(a?)*?$", "aa", true),
            ("^(|a)+$", "aaa", true),
            ("^(^)*a", "a", true),
        ];
        for (pattern, text, expected) in table {
            check(pattern, text, expected);
        }
    }

    #[test]
    fn pathological_patterns_answer_quickly() {
        // Each would take exponential time in a naive backtracker; the memory of failed states
        // makes them linear, and the test finishing at all shows the search cannot hang.
        let a = "a".repeat(2_000);
        for pattern in [
            "(a*)*b",
            "(a|aa)*b",
            "(a+)+b",
            "(a|a)*b",
            "^(\\w+\\s?)*$!",
            "(.*)*x",
        ] {
            check(pattern, &a, false);
        }
        for pattern in ["(a*)*$", "^(a|aa)*$", "(a+)+a$", "^(\\w+\\s?)*$"] {
            check(pattern, &a, true);
        }
    }

    #[test]
    fn running_out_of_steps_fails_closed() {
        // Greedy `a*` walks the whole text before it finds the `b`: three steps a character,
        // more than the budget allows, so the rule answers `false` although the text matches.
        let text = "a".repeat(STEP_BUDGET) + "b";
        check("a*b", &text, false);
        check("a*b", &text[STEP_BUDGET - 1_000..], true);
        // Too long a text for the memory of failed states: the budget alone stops the search.
        let text = "a".repeat(MAX_MEMO_BITS);
        check("(a*)*b", &text, false);
    }

    #[test]
    fn invalid_patterns() {
        let table = [
            ("(abc", "unclosed group at byte 0"),
            ("a(b(c)", "unclosed group at byte 1"),
            ("abc)", "unmatched ) at byte 3"),
            ("a]", "unmatched ] at byte 1"),
            ("a}", "unmatched } at byte 1"),
            ("[a-z", "unclosed character class at byte 0"),
            ("[]", "unclosed character class at byte 0"),
            ("x[^", "unclosed character class at byte 1"),
            ("*a", "quantifier with nothing to repeat at byte 0"),
            ("a|+", "quantifier with nothing to repeat at byte 2"),
            ("(*)", "quantifier with nothing to repeat at byte 1"),
            (
                "(?)",
                "unsupported group syntax, only (?: … ) is allowed at byte 0",
            ),
            ("a**", "quantifier with nothing to repeat at byte 2"),
            ("a{2}{3}", "quantifier with nothing to repeat at byte 4"),
            (
                "a{",
                "invalid repetition, write {n}, {n,} or {n,m} at byte 1",
            ),
            (
                "a{x}",
                "invalid repetition, write {n}, {n,} or {n,m} at byte 1",
            ),
            (
                "a{1,2",
                "invalid repetition, write {n}, {n,} or {n,m} at byte 1",
            ),
            (
                "a{,2}",
                "invalid repetition, write {n}, {n,} or {n,m} at byte 1",
            ),
            (
                "a{3,1}",
                "repetition {3,1} has its minimum above its maximum at byte 1",
            ),
            ("a{1001}", "repetition count above 1000 at byte 1"),
            ("a{1,99999999999}", "repetition count above 1000 at byte 1"),
            ("[z-a]", "invalid class range z-a at byte 1"),
            (
                "[a-\\d]",
                "a class such as \\d cannot end a range at byte 1",
            ),
            ("[[:alpha:]]", "nested classes are not supported at byte 1"),
            ("(a)\\1", "backreferences are not supported at byte 3"),
            ("a(?=b)", "lookaround is not supported at byte 1"),
            ("a(?!b)", "lookaround is not supported at byte 1"),
            ("(?<=a)b", "lookaround is not supported at byte 0"),
            ("(?<!a)b", "lookaround is not supported at byte 0"),
            (
                "(?i)shop",
                "unsupported group syntax, only (?: … ) is allowed at byte 0",
            ),
            (
                "(?P<n>a)",
                "unsupported group syntax, only (?: … ) is allowed at byte 0",
            ),
            ("\\bshop", "unsupported escape \\b at byte 0"),
            ("한\\<", "unsupported escape \\< at byte 3"),
            ("abc\\", "trailing backslash at byte 3"),
            (
                "((a{1000}){1000})",
                "pattern is too large once its repetitions are expanded",
            ),
            (
                "(){1000}{1000}",
                "quantifier with nothing to repeat at byte 8",
            ),
            (
                "((){0,1000}){1000}",
                "pattern is too large once its repetitions are expanded",
            ),
        ];
        for (pattern, expected) in table {
            match Regex::new(pattern) {
                Ok(_) => panic!("{pattern:?} compiled"),
                Err(e) => assert_eq!(e.to_string(), expected, "{pattern:?}"),
            }
        }
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert_eq!(
            Regex::new(&long).map(|_| ()).map_err(|e| e.to_string()),
            Err("pattern is 513 bytes long, at most 512 are allowed".into())
        );
        assert!(Regex::new(&"a".repeat(MAX_PATTERN_LEN)).is_ok());
    }

    #[test]
    fn a_program_reads_back_as_the_same_machine() {
        let re = Regex::new("^(?:ab|c)+[^a-z\\d]$").unwrap();
        let program = re.program();
        assert_eq!(
            program,
            "^ s2,5 c97 c98 j6 c99 s7,13 s8,11 c97 c98 j12 c99 j6 K,97-122,d $ m"
        );
        assert_eq!(
            Regex::new("^a+$").unwrap().program(),
            "^ c97 s3,5 c97 j2 $ m"
        );
        let read = Regex::from_program(&program).expect("a program");
        for text in ["abcab!", "c-", "ab", "abz", "", "cc7"] {
            assert_eq!(read.is_match(text), re.is_match(text), "{text:?}");
        }
        assert_eq!(read.program(), program);
    }

    #[test]
    fn a_program_that_is_not_one_is_refused() {
        for bad in [
            "",
            "m m x",
            "c97",
            "s1,9 m",
            "j5 m",
            "c1114112 m",
            "k,97 m",
            "k,q m",
            "s1 m",
            "c97  m",
        ] {
            assert!(Regex::from_program(bad).is_none(), "{bad:?}");
        }
        assert!(Regex::from_program("m").is_some());
    }

    mod against_regex_crate {
        use super::*;
        use proptest::prelude::*;

        /// A pattern piece as this matcher writes it and as the `regex` crate does: the same
        /// text, but for `\d \w \s`, which the crate must be told are ASCII.
        fn piece() -> impl Strategy<Value = (String, String)> {
            let leaf = prop_oneof![
                Just(("a", "a")),
                Just(("b", "b")),
                Just(("é", "é")),
                Just(("/", "/")),
                Just((".", ".")),
                Just(("\\.", "\\.")),
                Just(("\\/", "\\/")),
                Just(("[ab]", "[ab]")),
                Just(("[^a]", "[^a]")),
                Just(("[a-é]", "[a-é]")),
                Just(("[-/1]", "[-/1]")),
                Just(("\\d", "(?-u:\\d)")),
                Just(("\\w", "(?-u:\\w)")),
                Just(("\\S", "[^\\t-\\r ]")),
                Just(("^", "^")),
                Just(("$", "$")),
            ]
            .prop_map(|(ours, theirs)| (ours.to_owned(), theirs.to_owned()));
            leaf.prop_recursive(4, 24, 3, |inner| {
                let quantifier = prop_oneof![
                    Just("*"),
                    Just("+"),
                    Just("?"),
                    Just("*?"),
                    Just("+?"),
                    Just("{2}"),
                    Just("{1,}"),
                    Just("{0,2}"),
                    Just("{1,3}?"),
                ];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 1..4).prop_map(|pieces| {
                        let (ours, theirs): (Vec<String>, Vec<String>) = pieces.into_iter().unzip();
                        (ours.concat(), theirs.concat())
                    }),
                    (inner.clone(), inner.clone()).prop_map(|((o1, t1), (o2, t2))| (
                        format!("{o1}|{o2}"),
                        format!("{t1}|{t2}")
                    )),
                    inner
                        .clone()
                        .prop_map(|(o, t)| (format!("({o})"), format!("({t})"))),
                    (inner, quantifier)
                        .prop_map(|((o, t), q)| (format!("(?:{o}){q}"), format!("(?:{t}){q}"))),
                ]
            })
        }

        proptest! {
            #[test]
            fn agrees_with_the_regex_crate(
                (ours, theirs) in piece(),
                text in "[ab/1 é.]{0,12}",
            ) {
                let expected = regex::Regex::new(&theirs).expect("the regex crate compiles it");
                let re = Regex::new(&ours)
                    .map_err(|e| TestCaseError::fail(format!("{ours:?}: {e}")))?;
                prop_assert_eq!(
                    re.is_match(&text),
                    expected.is_match(&text),
                    "{:?} on {:?}",
                    ours,
                    text
                );
                // What the device runs: the program the collector serves, read back.
                let served = Regex::from_program(&re.program())
                    .ok_or_else(|| TestCaseError::fail(format!("{ours:?}: program unreadable")))?;
                prop_assert_eq!(served.is_match(&text), re.is_match(&text), "{:?} served", ours);
            }
        }
    }
}
