//! The line reader checked against yaml-rust2: the same events at the same
//! places, for the tests and the fuzz target.

use yaml_rust2::parser::Event;
use yaml_rust2::scanner::TScalarStyle;

use super::{Lines, Positioned, Source};

/// `None` where `Lines` gives up on `text`; otherwise whether yaml-rust2
/// reads the same events, with the same positions where a node or a
/// document starts (the ones the reader uses). For the tests and the fuzz target;
/// a disagreement is described without any scalar's text.
pub(in crate::inventory::yaml) fn agrees_with_yaml_rust2(
    text: &str,
) -> Option<std::result::Result<(), String>> {
    let ours = ours(text)?;
    let Some(theirs) = theirs(text) else {
        return Some(Err("Lines read what yaml-rust2 refuses".to_owned()));
    };
    Some(compare(ours, theirs))
}

/// `Ok` when both streams have the same events at the same places;
/// otherwise where they part, by kind and place only: a scalar may be a secret.
fn compare(ours: Vec<Positioned>, theirs: Vec<Positioned>) -> std::result::Result<(), String> {
    let (ours, theirs) = (comparable(ours), comparable(theirs));
    if ours == theirs {
        return Ok(());
    }
    let at = ours
        .iter()
        .zip(&theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    let describe = |events: &[(Event, Option<(usize, usize)>)]| {
        events
            .get(at)
            .map_or("nothing".to_owned(), |(event, place)| {
                format!("{} at {place:?}", kind(event))
            })
    };
    Err(format!(
        "event {at}: Lines read {}, yaml-rust2 read {}",
        describe(&ours),
        describe(&theirs)
    ))
}

/// An event's kind, without its value.
fn kind(event: &Event) -> &'static str {
    match event {
        Event::Nothing => "nothing",
        Event::StreamStart => "stream start",
        Event::StreamEnd => "stream end",
        Event::DocumentStart => "document start",
        Event::DocumentEnd => "document end",
        Event::Alias(_) => "alias",
        Event::Scalar(_, TScalarStyle::Plain, ..) => "plain scalar",
        Event::Scalar(..) => "quoted scalar",
        Event::SequenceStart(..) => "sequence start",
        Event::SequenceEnd => "sequence end",
        Event::MappingStart(..) => "mapping start",
        Event::MappingEnd => "mapping end",
    }
}

/// Every event `Lines` reads, or `None` where it gives up.
fn ours(text: &str) -> Option<Vec<Positioned>> {
    let mut lines = Lines::new(text)?;
    let mut events = Vec::new();
    loop {
        let event = lines.next_event().ok()?;
        let end = event.0 == Event::StreamEnd;
        events.push(event);
        if end {
            return Some(events);
        }
    }
}

/// yaml-rust2's events, or `None` for a text it refuses.
fn theirs(text: &str) -> Option<Vec<Positioned>> {
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    let mut events = Vec::new();
    loop {
        let (event, mark) = parser.next_token().ok()?;
        let end = event == Event::StreamEnd;
        events.push((event, mark.line(), mark.col()));
        if end {
            return Some(events);
        }
    }
}

/// The events and, where the reader uses one, their positions.
fn comparable(events: Vec<Positioned>) -> Vec<(Event, Option<(usize, usize)>)> {
    events
        .into_iter()
        .map(|(event, line, col)| {
            let recorded = matches!(
                event,
                Event::DocumentStart
                    | Event::Scalar(..)
                    | Event::MappingStart(..)
                    | Event::SequenceStart(..)
            );
            (event, recorded.then_some((line, col)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::inventory::yaml::lines::LONGEST_KEY;

    /// Whenever `Lines` reads `text`, yaml-rust2 reads the same events at
    /// the same places. Returns whether `Lines` read it.
    fn assert_agrees(text: &str) -> bool {
        match agrees_with_yaml_rust2(text) {
            None => false,
            Some(Ok(())) => true,
            Some(Err(problem)) => panic!("{problem}\n{text}"),
        }
    }

    #[test]
    fn a_disagreement_names_kinds_and_places_never_values() {
        let scalar = |text: &str, col| {
            (
                Event::Scalar(text.to_owned(), TScalarStyle::Plain, 0, None),
                1,
                col,
            )
        };
        let problem = compare(
            vec![scalar("CANARY-3f9a", 0)],
            vec![scalar("CANARY-7c2e", 2)],
        )
        .unwrap_err();
        assert_eq!(
            problem,
            "event 0: Lines read plain scalar at Some((1, 0)), yaml-rust2 read plain scalar at Some((1, 2))"
        );
        assert!(!problem.contains("CANARY"));
        assert!(compare(vec![scalar("a", 0)], vec![scalar("a", 0)]).is_ok());
    }

    #[test]
    fn every_yaml_file_in_the_repository_reads_as_yaml_rust2_reads_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut read = Vec::new();
        for dir in ["examples", "tests"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let path = entry.unwrap().into_path();
                if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if assert_agrees(&text) {
                    read.push(path);
                }
            }
        }
        eprintln!("Lines read {} files: {read:#?}", read.len());
        assert!(read.len() > 10, "Lines read only {read:?}");
    }

    #[test]
    fn lines_on_the_edges_read_as_yaml_rust2_reads_them() {
        // (text, whether `Lines` must read it)
        let cases = [
            ("a: 1\n", true),
            ("a: 1", true),
            ("# c\n\na: 1 # c\nb: 'x' # c\nc: [1] # c\n", true),
            ("a:\n  b:\n    c: d\n  e: f\ng: h\n", true),
            ("a:\n- x\n- y\nb: z\n", true),
            ("a:\n  - x\n  -   y\nb: z\n", true),
            ("a:\n  - k: v\n    l: w\n  - k: u\n", true),
            ("a:\n- k: v\n  l:\n  - 1\n  - 2\nb: c\n", true),
            ("a:\n  -\n    k: v\n  -\n    - x\n", true),
            (
                "a: [x, 'y', \"z\", [], {}, [1, [2]], {k: v, l: [m]}]\n",
                true,
            ),
            ("a: { k: v , l : w }\n", false),
            ("a: {k: v}x\n", false),
            ("a: [x,]\n", false),
            ("a: [x, , y]\n", false),
            ("a: [x y, z]\n", true),
            ("a: [x -]\n", false),
            ("a: [x  -, y]\n", false),
            ("a: {k: x -}\n", false),
            ("a: [x - y]\n", false),
            ("a: [x-y, -y]\n", false),
            ("a: [x-, y-z]\n", true),
            ("a: [x#y]\n", false),
            ("a: [x #y]\n", false),
            ("a: {k: v:w}\n", false),
            ("a: {k:v}\n", false),
            ("a: {\"k\": v}\n", true),
            ("a: [x\n  , y]\n", false),
            ("\"a b\": 1\n'c''d': 2\n", true),
            ("a: 'it''s' \n", true),
            ("a: \"x\\ty\"\n", false),
            ("a: \"x\" y\n", false),
            ("a: x: y\n", false),
            ("a: x:\n", false),
            ("a: x:y\n", true),
            ("a: http://h:1/p#f\n", true),
            ("a: b #c: d\n", true),
            ("a b: c d\n", true),
            ("a  : b\nc:\n  d   : e\n", true),
            ("a:\n  - k  : v\n    l: w\n", true),
            ("a #b: c\n", false),
            ("a:b: c\n", true),
            ("a:\n", false),
            ("a:\nb: c\n", false),
            ("a:\n  # comment\n  b: c\n", true),
            ("a: x\n  continued\n", false),
            ("a: |\n  x\n", false),
            ("a: >-\n  x\n", false),
            ("a: &x y\nb: *x\n", false),
            ("a: !t y\n", false),
            ("---\na: 1\n", false),
            ("a: 1\n...\n", false),
            ("%YAML 1.2\n---\na: 1\n", false),
            ("- a\n", false),
            ("  a: 1\n", false),
            ("a: 1\n b: 2\n", false),
            ("a:\n  b: 1\n c: 2\n", false),
            ("a:\n  - x\n  b: 1\n", false),
            ("a:\n  - - x\n", false),
            ("a:\t1\n", false),
            ("a: 1\r\n", false),
            ("? a\n: 1\n", false),
            ("a: -1\n", false),
            (
                "a: caf\u{e9}\nb: [\u{e9}t\u{e9}, x]\nc: {\u{e9}: v, w: \u{2014}}\n",
                true,
            ),
            ("\u{e9}\u{e9}: {x: [\u{e9}, y]}\n", true),
            ("a: 'x\n  y'\n", false),
            ("a: \"x\n  y\"\n", false),
            ("a: 'x' # c\nb: \"y\"#c\n", false),
            ("a: [x] #c\n", true),
            ("a: [x]#c\n", false),
            ("a: 1   \nb:   2  \n", true),
            ("a:    \n  b: 1\n", true),
            ("key: value\nkey: value\n", true),
            ("a:\n  - {k: v}\n  - [x]\n  - 'q'\n", true),
            ("a:\n  - \"k\": v\n", true),
            // Found by the fuzz target: yaml-rust2 stops reading at a NUL.
            ("a~\0b: c\n", false),
            ("a: b\u{7}\n", false),
            ("a:\n- k:\n  - x\n  l: y\n", true),
            ("a:\n-\n  - x\n", false),
            ("a: x[0], y{1}\n", true),
            ("a: {k: [v, {w: x}]}, b: c\n", false),
            ("a:\n  b: {}\n  c: []\n  d: [ ]\n", true),
            (": x\n", false),
            ("a: 'x\n", false),
            ("a: ''\nb: \"\"\n", true),
            ("a: null\nb: ~\nc: true\nd: 0755\n", true),
        ];
        for (text, reads) in cases {
            assert_eq!(assert_agrees(text), reads, "{text:?}");
        }
        let long_key = format!("{}: 1\n", "k".repeat(LONGEST_KEY));
        assert!(!assert_agrees(&long_key));
        let long_flow_key = format!("a: {{{}: 1}}\n", "k".repeat(LONGEST_KEY));
        assert!(!assert_agrees(&long_flow_key));
    }
}
