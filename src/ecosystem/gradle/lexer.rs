//! Build scripts as tokens: strings, templates, comments and brackets of Groovy and Kotlin.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tk {
    Ident(String),
    /// A string literal: literal text and `$name` / `${expression}` templates.
    Str(Vec<Part>),
    Num(String),
    Punct(char),
    Newline,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Part {
    Lit(String),
    /// A template as written: `$name` or `${expression}`.
    Expr(String),
}

/// The expression of a template (`$a.b` → `a.b`, `${x + y}` → `x + y`).
pub(super) fn template_expression(raw: &str) -> &str {
    raw.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| raw.strip_prefix('$'))
        .unwrap_or(raw)
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tk: Tk,
    pub(super) line: usize,
}

impl Token {
    pub(super) fn ident(&self) -> Option<&str> {
        match &self.tk {
            Tk::Ident(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn is(&self, c: char) -> bool {
        self.tk == Tk::Punct(c)
    }
}

pub(super) struct Lexed {
    pub(super) tokens: Vec<Token>,
    pub(super) errors: Vec<(usize, String)>,
}

/// Splits a Groovy or Kotlin script into tokens: identifiers, strings (with templates),
/// numbers, punctuation and newlines; comments are dropped.
pub(super) fn tokenize(text: &str, kotlin: bool) -> Lexed {
    let cs: Vec<char> = text.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| cs.get(i).copied().unwrap_or('\0');
    while i < cs.len() {
        let c = cs[i];
        let start_line = line;
        if c == '\n' {
            tokens.push(Token {
                tk: Tk::Newline,
                line,
            });
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 1;
            i += 2;
            while i < cs.len() && depth > 0 {
                if cs[i] == '\n' {
                    line += 1;
                }
                if kotlin && cs[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if cs[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            if depth > 0 {
                errors.push((start_line, "unterminated /* comment".to_string()));
            }
        } else if c == '#' && i == 0 && at(1) == '!' {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let triple = at(i + 1) == '"' && at(i + 2) == '"';
            i += if triple { 3 } else { 1 };
            match template_string(&cs, &mut i, &mut line, triple, kotlin, '"') {
                Ok(parts) => tokens.push(Token {
                    tk: Tk::Str(parts),
                    line: start_line,
                }),
                Err(message) => {
                    errors.push((start_line, message));
                    break;
                }
            }
        } else if c == '\'' {
            let triple = !kotlin && at(i + 1) == '\'' && at(i + 2) == '\'';
            i += if triple { 3 } else { 1 };
            match plain_string(&cs, &mut i, &mut line, triple) {
                Ok(value) => tokens.push(Token {
                    tk: Tk::Str(vec![Part::Lit(value)]),
                    line: start_line,
                }),
                Err(message) => {
                    errors.push((start_line, message));
                    break;
                }
            }
        } else if c == '/' && !kotlin && slashy_allowed(tokens.last()) && !at(i + 1).is_whitespace()
        {
            // A Groovy slashy string (a regular expression, mostly).
            i += 1;
            let mut value = String::new();
            loop {
                match cs.get(i) {
                    None => {
                        errors.push((start_line, "unterminated /slashy/ string".to_string()));
                        break;
                    }
                    Some('\\') if at(i + 1) == '/' => {
                        value.push('/');
                        i += 2;
                    }
                    Some('/') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        value.push(ch);
                        i += 1;
                    }
                }
            }
            tokens.push(Token {
                tk: Tk::Str(vec![Part::Lit(value)]),
                line: start_line,
            });
        } else if c == '`' && kotlin {
            let start = i + 1;
            let mut j = start;
            while j < cs.len() && cs[j] != '`' && cs[j] != '\n' {
                j += 1;
            }
            tokens.push(Token {
                tk: Tk::Ident(cs[start..j.min(cs.len())].iter().collect()),
                line,
            });
            i = j + 1;
        } else if c.is_alphabetic() || c == '_' || (c == '$' && !kotlin) {
            let start = i;
            while i < cs.len()
                && (cs[i].is_alphanumeric() || cs[i] == '_' || (!kotlin && cs[i] == '$'))
            {
                i += 1;
            }
            tokens.push(Token {
                tk: Tk::Ident(cs[start..i].iter().collect()),
                line,
            });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < cs.len()
                && (cs[i].is_ascii_alphanumeric()
                    || cs[i] == '_'
                    || (cs[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            tokens.push(Token {
                tk: Tk::Num(cs[start..i].iter().collect()),
                line,
            });
        } else {
            tokens.push(Token {
                tk: Tk::Punct(c),
                line,
            });
            i += 1;
        }
    }
    Lexed { tokens, errors }
}

/// A `/` starts a Groovy slashy string where a value is expected.
pub(super) fn slashy_allowed(previous: Option<&Token>) -> bool {
    match previous.map(|t| &t.tk) {
        None | Some(Tk::Newline) => true,
        Some(Tk::Punct(c)) => matches!(
            c,
            '(' | ',' | '=' | '[' | ':' | '~' | '!' | '{' | '&' | '|' | '?'
        ),
        Some(Tk::Ident(word)) => matches!(word.as_str(), "return" | "in"),
        _ => false,
    }
}

/// A double-quoted (template) string whose opening quote(s) were consumed.
pub(super) fn template_string(
    cs: &[char],
    i: &mut usize,
    line: &mut usize,
    triple: bool,
    kotlin: bool,
    quote: char,
) -> Result<Vec<Part>, String> {
    let at = |i: usize| cs.get(i).copied().unwrap_or('\0');
    let mut parts = Vec::new();
    let mut literal = String::new();
    loop {
        let Some(&c) = cs.get(*i) else {
            return Err("unterminated string".to_string());
        };
        if triple && c == quote && at(*i + 1) == quote && at(*i + 2) == quote {
            *i += 3;
            // Kotlin allows quotes right before the closing ones: `""""a""""`.
            while at(*i) == quote {
                literal.push(quote);
                *i += 1;
            }
            break;
        }
        if !triple && c == quote {
            *i += 1;
            break;
        }
        if !triple && c == '\n' {
            return Err("unterminated string".to_string());
        }
        if c == '\\' && !(kotlin && triple) {
            let next = at(*i + 1);
            *i += 2;
            match next {
                'n' => literal.push('\n'),
                't' => literal.push('\t'),
                'r' => literal.push('\r'),
                'b' | 'f' => {}
                'u' => {
                    let hex: String = cs.iter().skip(*i).take(4).collect();
                    if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        literal.push(ch);
                        *i += 4;
                    }
                }
                '\n' => *line += 1,
                '\0' => return Err("unterminated string".to_string()),
                other => literal.push(other),
            }
            continue;
        }
        if c == '$' && at(*i + 1) == '{' {
            let mut depth = 0;
            let mut j = *i + 1;
            while j < cs.len() {
                match cs[j] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    '\n' => *line += 1,
                    _ => {}
                }
                j += 1;
            }
            if j >= cs.len() {
                return Err("unterminated ${...} in a string".to_string());
            }
            if !literal.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut literal)));
            }
            parts.push(Part::Expr(cs[*i..=j].iter().collect()));
            *i = j + 1;
            continue;
        }
        if c == '$' && (at(*i + 1).is_alphabetic() || at(*i + 1) == '_') {
            let mut j = *i + 1;
            loop {
                while j < cs.len() && (cs[j].is_alphanumeric() || cs[j] == '_') {
                    j += 1;
                }
                // Groovy reads `$a.b.c` as a property chain.
                if !kotlin && at(j) == '.' && (at(j + 1).is_alphabetic() || at(j + 1) == '_') {
                    j += 1;
                    continue;
                }
                break;
            }
            if !literal.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut literal)));
            }
            parts.push(Part::Expr(cs[*i..j].iter().collect()));
            *i = j;
            continue;
        }
        if c == '\n' {
            *line += 1;
        }
        literal.push(c);
        *i += 1;
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(literal));
    }
    Ok(parts)
}

/// A single-quoted string (Groovy: no templates; Kotlin: a character) whose opening quote(s)
/// were consumed.
pub(super) fn plain_string(
    cs: &[char],
    i: &mut usize,
    line: &mut usize,
    triple: bool,
) -> Result<String, String> {
    let at = |i: usize| cs.get(i).copied().unwrap_or('\0');
    let mut value = String::new();
    loop {
        let Some(&c) = cs.get(*i) else {
            return Err("unterminated string".to_string());
        };
        if triple && c == '\'' && at(*i + 1) == '\'' && at(*i + 2) == '\'' {
            *i += 3;
            return Ok(value);
        }
        if !triple && c == '\'' {
            *i += 1;
            return Ok(value);
        }
        if !triple && c == '\n' {
            return Err("unterminated string".to_string());
        }
        if c == '\\' {
            let next = at(*i + 1);
            *i += 2;
            match next {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                '\n' => *line += 1,
                '\0' => return Err("unterminated string".to_string()),
                other => value.push(other),
            }
            continue;
        }
        if c == '\n' {
            *line += 1;
        }
        value.push(c);
        *i += 1;
    }
}

/// For every opening bracket, the index of its closing one; unbalanced brackets are errors.
pub(super) fn match_brackets(
    tokens: &[Token],
    errors: &mut Vec<(usize, String)>,
) -> Vec<Option<usize>> {
    let mut close = vec![None; tokens.len()];
    let mut stack: Vec<(usize, char)> = Vec::new();
    // How many of each kind are open on the stack: whether a closer has its opener is then one
    // look-up, not a search of the stack (100,000 `(` followed by as many `]` was quadratic).
    let mut open_of_kind = [0usize; 3];
    let kind = |c: char| match c {
        '(' | ')' => 0,
        '[' | ']' => 1,
        _ => 2,
    };
    for (i, token) in tokens.iter().enumerate() {
        let Tk::Punct(c) = token.tk else { continue };
        match c {
            '(' | '[' | '{' => {
                stack.push((i, c));
                open_of_kind[kind(c)] += 1;
            }
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open_of_kind[kind(open)] > 0 {
                    while let Some((j, o)) = stack.pop() {
                        open_of_kind[kind(o)] -= 1;
                        if o == open {
                            close[j] = Some(i);
                            break;
                        }
                        errors.push((tokens[j].line, format!("`{o}` is never closed")));
                    }
                } else {
                    errors.push((token.line, format!("`{c}` closes nothing")));
                }
            }
            _ => {}
        }
    }
    for (j, o) in stack {
        errors.push((tokens[j].line, format!("`{o}` is never closed")));
    }
    close
}
