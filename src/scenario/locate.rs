//! Finds where a path such as `peerings[3].peer_vpc_id` sits in a YAML or
//! JSON document (JSON is read as the YAML it also is), for error messages,
//! and how the document spells it: a field may be written in the protos'
//! snake_case, in grpcurl's camelCase, or by an older name.

use yaml_rust2::{
    Event,
    parser::{MarkedEventReceiver, Parser},
    scanner::Marker,
};

/// One step of a path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Whether `written`, a key in the document, is a spelling of `canonical`,
/// a key of the schema: `peerVpcId` and `peer_vpc` both are `peer_vpc_id`.
fn spells(canonical: &str, written: &str) -> bool {
    fn fold(key: &str) -> String {
        key.chars()
            .filter(|c| *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }
    let (canonical, written) = (fold(canonical), fold(written));
    canonical == written || canonical.strip_suffix("id") == Some(written.as_str())
}

impl Step {
    fn matches(&self, written: &Step) -> bool {
        match (self, written) {
            (Step::Key(canonical), Step::Key(written)) => spells(canonical, written),
            (Step::Index(a), Step::Index(b)) => a == b,
            _ => false,
        }
    }
}

fn render_path(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn parse_path(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                steps.push(Step::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    steps
}

/// Where the container being walked is, and what comes next in it.
enum Frame {
    Sequence {
        next_index: usize,
    },
    Mapping {
        expecting_key: bool,
        key: Option<String>,
    },
}

struct Locator {
    target: Vec<Step>,
    frames: Vec<Frame>,
    /// The path from the root to the node about to start, as written.
    path: Vec<Step>,
    found: Option<(Marker, Vec<Step>)>,
}

impl Locator {
    /// Called when a node (scalar or container) begins at `mark`; returns
    /// false for a mapping key, which is not a node of the path.
    fn node_starts(&mut self, mark: Marker) -> bool {
        let step = match self.frames.last_mut() {
            None => None,
            Some(Frame::Sequence { next_index }) => {
                let step = Step::Index(*next_index);
                *next_index += 1;
                Some(step)
            }
            Some(Frame::Mapping {
                expecting_key: true,
                ..
            }) => return false,
            Some(Frame::Mapping { expecting_key, key }) => {
                *expecting_key = true;
                key.take().map(Step::Key)
            }
        };
        self.path.truncate(self.frames.len().saturating_sub(1));
        if let Some(step) = step {
            self.path.push(step);
        }
        if self.found.is_none()
            && self.path.len() == self.target.len()
            && self
                .target
                .iter()
                .zip(&self.path)
                .all(|(t, p)| t.matches(p))
        {
            self.found = Some((mark, self.path.clone()));
        }
        true
    }
}

impl MarkedEventReceiver for Locator {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => {
                if !self.node_starts(mark)
                    && let Some(Frame::Mapping { expecting_key, key }) = self.frames.last_mut()
                {
                    *key = Some(value);
                    *expecting_key = false;
                }
            }
            Event::SequenceStart(..) => {
                self.node_starts(mark);
                self.frames.push(Frame::Sequence { next_index: 0 });
            }
            Event::MappingStart(..) => {
                self.node_starts(mark);
                self.frames.push(Frame::Mapping {
                    expecting_key: true,
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.frames.pop();
            }
            Event::Alias(_) => {
                self.node_starts(mark);
            }
            _ => {}
        }
    }
}

/// The 1-based line and column of the node at `path`, or of its closest
/// ancestor that exists.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    locate_as_written(text, path).0
}

/// Where `path` is (as `locate`), and the path spelled as the document
/// spells its keys; keys the document lacks keep the schema's spelling.
pub fn locate_as_written(text: &str, path: &str) -> (Option<(usize, usize)>, String) {
    let full = parse_path(path);
    let mut target = full.clone();
    loop {
        let mut locator = Locator {
            target: target.clone(),
            frames: Vec::new(),
            path: Vec::new(),
            found: None,
        };
        let mut parser = Parser::new_from_str(text);
        // A document that does not parse has no positions to offer.
        if parser.load(&mut locator, false).is_err() {
            return (None, path.to_owned());
        }
        if let Some((mark, mut written)) = locator.found {
            written.extend(full[target.len()..].iter().cloned());
            return (Some((mark.line(), mark.col() + 1)), render_path(&written));
        }
        if target.pop().is_none() {
            return (None, path.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "accounts:\n  - uin: 1\n    name: a\npeerings:\n  - vpc: x\n    peer_vpc: y\n  - vpc: z\n    peer_vpc: w\n";

    #[test]
    fn finds_nested_fields_in_yaml() {
        assert_eq!(locate(YAML, "peerings[1].peer_vpc"), Some((8, 15)));
        assert_eq!(locate(YAML, "accounts[0].name"), Some((3, 11)));
        // A mapping is found at its first key.
        assert_eq!(locate(YAML, "peerings[1]"), Some((7, 5 + 3)));
        // A missing field points at its parent.
        assert_eq!(locate(YAML, "peerings[1].state"), Some((7, 8)));
    }

    #[test]
    fn finds_a_field_under_any_of_its_spellings_and_says_which() {
        assert_eq!(
            locate_as_written(YAML, "peerings[1].peer_vpc_id"),
            (Some((8, 15)), "peerings[1].peer_vpc".to_owned())
        );
        let json = "{\"peerings\": [{\"peerVpcId\": \"x\"}]}";
        assert_eq!(
            locate_as_written(json, "peerings[0].peer_vpc_id").1,
            "peerings[0].peerVpcId"
        );
        assert_eq!(
            locate_as_written(json, "peerings[0].state").1,
            "peerings[0].state"
        );
        assert!(!spells("vpc_id", "peer_vpc"));
    }

    #[test]
    fn finds_fields_in_json() {
        let json =
            "{\n  \"vpcs\": [\n    {\"uin\": \"1\", \"cidr_block\": \"10.0.0.0/16\"}\n  ]\n}\n";
        assert_eq!(locate(json, "vpcs[0].cidr_block"), Some((3, 32)));
    }
}
