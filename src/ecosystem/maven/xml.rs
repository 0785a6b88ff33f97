//! XML as POMs and Maven's settings use it: a tree of elements with their text and the line
//! each starts on, namespace prefixes dropped. No DTD is read and no entity of one is expanded
//! (an `&name;` that is not XML's own stays as written), so a document cannot make the parser
//! read files or grow without bound.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// One element of a parsed XML document: its local name (namespace prefixes dropped: POMs use
/// the default namespace, or none), its text and its child elements.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
}

impl Node {
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The children `name` of the child `list` (`<dependencies><dependency>`).
    pub(crate) fn items<'a>(
        &'a self,
        list: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.child(list).into_iter().flat_map(move |l| l.all(name))
    }

    /// The trimmed text of the child `name`, when it has any.
    pub(crate) fn value(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    }
}

#[derive(Debug)]
pub(crate) struct XmlError {
    /// What is wrong, in translatable form (the parser's own words stay as written).
    pub(crate) text: crate::diagnostic::Text,
    pub(crate) line: usize,
}

impl XmlError {
    fn new(text: crate::diagnostic::Text, line: usize) -> Self {
        XmlError { text, line }
    }
}

/// How deep elements may nest in a POM (real POMs nest about ten deep). Deeper documents are
/// refused with an error: a tree of 100,000 nested elements would exhaust the stack when it is
/// dropped (found by the fuzz harness, tests/fuzz.rs).
const MAX_XML_DEPTH: usize = 256;

/// Parses a whole document into its root element.
pub(crate) fn parse_xml(text: &str) -> Result<Node, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut lines = crate::diagnostic::LineCounter::new(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(XmlError::new(
                    crate::diagnostic::Text::verbatim(err),
                    crate::diagnostic::line_of_offset(text, at),
                ));
            }
        };
        match event {
            Event::Start(_) if stack.len() >= MAX_XML_DEPTH => {
                return Err(XmlError::new(
                    crate::text!("xml_nested_too_deep", depth = MAX_XML_DEPTH),
                    lines.line_at(offset),
                ));
            }
            Event::Start(start) => stack.push(Node {
                name: start.local_name().into_inner().to_string(),
                line: lines.line_at(offset),
                ..Node::default()
            }),
            Event::Empty(start) => {
                let node = Node {
                    name: start.local_name().into_inner().to_string(),
                    line: lines.line_at(offset),
                    ..Node::default()
                };
                attach(&mut stack, &mut root, node)?;
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(&mut stack, &mut root, node)?;
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => top.text.push(c),
                        _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                            Some(s) => top.text.push_str(s),
                            // An entity of a DTD: kept as written.
                            None => {
                                top.text.push('&');
                                top.text.push_str(&r);
                                top.text.push(';');
                            }
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.first() {
        return Err(XmlError::new(
            crate::text!("xml_ends_unclosed", element = open.name, line = open.line),
            crate::diagnostic::line_of_offset(text, text.len()),
        ));
    }
    root.ok_or_else(|| XmlError::new(crate::diagnostic::Text::new("xml_no_element"), 1))
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => {
            return Err(XmlError::new(
                crate::text!("xml_second_root", element = node.name),
                node.line,
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// One POM, as written

/// UTF-8, else ISO-8859-1 (the other encoding POMs are written in; every byte is a character,
/// so lines stay where they are). A byte-order mark is dropped.
pub(crate) fn decode(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_nested_too_deep_are_an_error_not_a_crash() {
        let deep = format!(
            "<project>\n{}{}</project>\n",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        let err = parse_xml(&deep).unwrap_err();
        assert_eq!(
            err.text.english(),
            "its elements are nested more than 256 deep"
        );
        assert_eq!(err.line, 2);
        let fine = format!(
            "<project>{}{}</project>",
            "<a>".repeat(255),
            "</a>".repeat(255)
        );
        assert!(parse_xml(&fine).is_ok());
    }
}
