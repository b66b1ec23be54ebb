//! Writes the `.proto` text of the typed API from the shapes. Field and value numbers are kept
//! from the file being regenerated (its text is the record of every number ever given); a new
//! field takes the next free number of its message, and a field that left the domain keeps its
//! number reserved, so a message once sent decodes the same for ever.
use std::collections::BTreeMap;
use std::fmt::Write;

use super::shape::{Def, Field, Payload, Scalar, Shapes, Ty, Variant};
use super::{Service, TypedError, SERVICES};

/// The numbers of a file: `scope/name` → number, removed ones included.
#[derive(Debug, Default, Clone)]
pub struct Pins(BTreeMap<String, u32>);

impl Pins {
    /// Reads the numbers of a file this module wrote (an empty text: none yet).
    pub fn read(text: &str) -> Pins {
        let mut pins = BTreeMap::new();
        let mut scope: Vec<String> = Vec::new();
        for line in text.lines() {
            let l = line.trim();
            let (code, comment) = match l.split_once("//") {
                Some((c, m)) => (c.trim(), m.trim()),
                None => (l, ""),
            };
            if let Some(rest) = code
                .strip_prefix("message ")
                .or_else(|| code.strip_prefix("enum "))
            {
                if !code.ends_with('}') {
                    scope.push(rest.trim_end_matches('{').trim().to_string());
                }
            } else if code.starts_with("oneof ") {
                scope.push(String::new());
            } else if code == "}" {
                scope.pop();
            } else if let Some(n) = code.strip_prefix("reserved ") {
                if let Ok(n) = n.trim_end_matches(';').trim().parse() {
                    pins.insert(key(&scope, comment), n);
                }
            } else if let Some((left, right)) = code.split_once('=') {
                let name = left.split_whitespace().last().unwrap_or_default();
                if let Ok(n) = right.trim().trim_end_matches(';').trim().parse() {
                    pins.insert(key(&scope, name), n);
                }
            }
        }
        Pins(pins)
    }
}

fn key(scope: &[String], name: &str) -> String {
    let path: Vec<&str> = scope
        .iter()
        .filter(|s| !s.is_empty())
        .map(String::as_str)
        .collect();
    format!("{}/{name}", path.join("."))
}

/// Numbers one scope's entries: pinned ones keep theirs, new ones take the next free.
struct Numbering<'a> {
    pins: &'a Pins,
    scope: String,
    next: u32,
    used: Vec<String>,
}

impl<'a> Numbering<'a> {
    fn new(pins: &'a Pins, scope: &str, first: u32) -> Self {
        let prefix = format!("{scope}/");
        let max = pins
            .0
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(first - 1);
        Numbering {
            pins,
            scope: scope.to_string(),
            next: max.max(first - 1) + 1,
            used: Vec::new(),
        }
    }

    fn number(&mut self, name: &str) -> u32 {
        self.used.push(name.to_string());
        let k = format!("{}/{name}", self.scope);
        if let Some(n) = self.pins.0.get(&k) {
            return *n;
        }
        self.next += 1;
        self.next - 1
    }

    /// `reserved` lines for the pinned names this scope no longer has.
    fn reserved(&self, indent: &str, out: &mut String) {
        let prefix = format!("{}/", self.scope);
        for (k, n) in &self.pins.0 {
            let Some(name) = k.strip_prefix(&prefix) else {
                continue;
            };
            if !name.contains('/') && !self.used.iter().any(|u| u == name) {
                let _ = writeln!(out, "{indent}reserved {n}; // {name}");
            }
        }
    }
}

/// `SCREAMING_SNAKE` of a Rust name.
pub fn screaming(name: &str) -> String {
    snake(name).to_uppercase()
}

/// `snake_case` of a Rust name.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_numeric()) {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The proto name of an enumeration's value.
pub fn enum_value(enum_name: &str, variant: &str) -> String {
    format!("{}_{}", screaming(enum_name), screaming(variant))
}

/// The nested message name of a tuple field.
pub fn tuple_message(field: &str) -> String {
    field
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn comment(doc: &str, indent: &str, out: &mut String) {
    for line in doc.lines() {
        let _ = writeln!(out, "{indent}// {}", line.trim_end());
    }
}

const HEADER: &str = "// Generated from the domain's own types (their JSON Schema) by\n\
// `SANXIANG_WRITE_PROTO=1 cargo test -p sanxiang typed`; do not edit. Numbers are kept from\n\
// this file when it is regenerated, and a removed field's number stays reserved.\n\
syntax = \"proto3\";\npackage sanxiang.api.v1;\n";

struct Emitter<'a> {
    shapes: &'a Shapes,
    pins: &'a Pins,
}

impl Emitter<'_> {
    fn ptype(&self, ty: &Ty, field: &str) -> Result<String, TypedError> {
        Ok(match ty {
            Ty::Scalar(s) => scalar(*s).to_string(),
            Ty::Named(n) => n.clone(),
            Ty::Tuple(_) => tuple_message(field),
            Ty::List(t) => format!("repeated {}", self.ptype(t, field)?),
            Ty::Map(t) => format!("map<string, {}>", self.ptype(t, field)?),
            Ty::Opt(t) => {
                let inner = self.ptype(t, field)?;
                match &**t {
                    Ty::Scalar(_) => format!("optional {inner}"),
                    Ty::Named(n) if matches!(self.shapes.def(n)?, Def::Enum(_)) => {
                        format!("optional {inner}")
                    }
                    _ => inner,
                }
            }
        })
    }

    /// Nested messages for the tuple fields of a message.
    fn tuples(
        &self,
        fields: &[Field],
        scope: &str,
        indent: &str,
        out: &mut String,
    ) -> Result<(), TypedError> {
        for f in fields {
            let mut t = &f.ty;
            while let Ty::List(i) | Ty::Opt(i) | Ty::Map(i) = t {
                t = i;
            }
            if let Ty::Tuple(items) = t {
                let name = tuple_message(&f.name);
                let inner = format!("{scope}.{name}");
                let mut num = Numbering::new(self.pins, &inner, 1);
                let _ = writeln!(out, "{indent}message {name} {{");
                for (i, it) in items.iter().enumerate() {
                    let fname = format!("item_{}", i + 1);
                    let ty = self.ptype(it, &fname)?;
                    let n = num.number(&fname);
                    let _ = writeln!(out, "{indent}  {ty} {fname} = {n};");
                }
                num.reserved(&format!("{indent}  "), out);
                let _ = writeln!(out, "{indent}}}");
            }
        }
        Ok(())
    }

    fn fields(
        &self,
        fields: &[Field],
        scope: &str,
        indent: &str,
        out: &mut String,
    ) -> Result<(), TypedError> {
        self.tuples(fields, scope, indent, out)?;
        let mut num = Numbering::new(self.pins, scope, 1);
        let mut lines = Vec::new();
        for f in fields {
            let ty = self.ptype(&f.ty, &f.name)?;
            let n = num.number(&f.name);
            let mut text = String::new();
            comment(&field_doc(f), indent, &mut text);
            let _ = writeln!(text, "{indent}{ty} {} = {n};", f.name);
            lines.push((n, text));
        }
        lines.sort();
        for (_, l) in lines {
            out.push_str(&l);
        }
        num.reserved(indent, out);
        Ok(())
    }

    fn union(&self, name: &str, vs: &[Variant], out: &mut String) -> Result<(), TypedError> {
        for v in vs {
            if let Payload::Fields(fs) = &v.payload {
                let scope = format!("{name}.{}", v.name);
                comment(&v.doc, "  ", out);
                let _ = writeln!(out, "  message {} {{", v.name);
                self.fields(fs, &scope, "    ", out)?;
                let _ = writeln!(out, "  }}");
            }
        }
        let mut num = Numbering::new(self.pins, name, 1);
        let _ = writeln!(out, "  // Exactly one is set.\n  oneof kind {{");
        for v in vs {
            let ty = match &v.payload {
                Payload::Unit => "Empty".to_string(),
                Payload::Fields(_) => v.name.clone(),
                Payload::One(t @ (Ty::Named(_) | Ty::Scalar(_))) => self.ptype(t, &v.name)?,
                Payload::One(_) => {
                    return Err(TypedError::Schema(format!(
                        "{name}::{}: a variant of a list or tuple has no typed form",
                        v.name
                    )))
                }
            };
            let field = snake(&v.name);
            comment(&v.doc, "    ", out);
            let _ = writeln!(out, "    {ty} {field} = {};", num.number(&field));
        }
        let _ = writeln!(out, "  }}");
        num.reserved("  ", out);
        Ok(())
    }

    fn def(&self, name: &str, out: &mut String) -> Result<(), TypedError> {
        let def = self.shapes.def(name)?;
        let doc = self
            .shapes
            .defs
            .get(name)
            .map(|d| d.0.as_str())
            .unwrap_or_default();
        out.push('\n');
        comment(doc, "", out);
        match def {
            Def::Message(fields) => {
                let _ = writeln!(out, "message {name} {{");
                self.fields(fields, name, "  ", out)?;
            }
            Def::Union(vs) => {
                let _ = writeln!(out, "message {name} {{");
                self.union(name, vs, out)?;
            }
            Def::Enum(vs) => {
                let _ = writeln!(out, "enum {name} {{");
                let _ = writeln!(out, "  // Not set: refused.");
                let _ = writeln!(out, "  {} = 0;", enum_value(name, "Unspecified"));
                let mut num = Numbering::new(self.pins, name, 1);
                num.used.push(enum_value(name, "Unspecified"));
                for (v, d) in vs {
                    let value = enum_value(name, v);
                    if d.as_str() != doc {
                        comment(d, "  ", out);
                    }
                    let _ = writeln!(out, "  {value} = {};", num.number(&value));
                }
                num.reserved("  ", out);
            }
            Def::Unsupported(why) => return Err(TypedError::Schema(why.clone())),
        }
        out.push_str("}\n");
        Ok(())
    }
}

fn scalar(s: Scalar) -> &'static str {
    match s {
        Scalar::U64 => "uint64",
        Scalar::I64 => "int64",
        Scalar::U32 => "uint32",
        Scalar::I32 => "int32",
        Scalar::F64 => "double",
        Scalar::Bool => "bool",
        Scalar::Str | Scalar::Date => "string",
    }
}

/// A field's documentation, with the form of a day added.
fn field_doc(f: &Field) -> String {
    let mut t = &f.ty;
    while let Ty::List(i) | Ty::Opt(i) = t {
        t = i;
    }
    match (t, f.doc.is_empty()) {
        (Ty::Scalar(Scalar::Date), true) => "A day, YYYY-MM-DD.".to_string(),
        (Ty::Scalar(Scalar::Date), false) => format!("{}\nA day, YYYY-MM-DD.", f.doc),
        _ => f.doc.clone(),
    }
}

/// The named types the services' commands and reads reach, in name order.
pub fn reached(shapes: &Shapes) -> Result<Vec<String>, TypedError> {
    let mut names = Vec::new();
    for s in SERVICES {
        for c in s.commands {
            if let Payload::One(t) = &shapes.command(c)?.payload {
                shapes.reach(t, &mut names)?;
            }
        }
        for r in s.reads {
            shapes.reach(&Ty::Named(r.reply.to_string()), &mut names)?;
        }
    }
    names.sort();
    Ok(names)
}

/// `types.proto`: every message and enumeration the commands reach.
pub fn types_proto(shapes: &Shapes, old: &str) -> Result<String, TypedError> {
    let pins = Pins::read(old);
    let e = Emitter {
        shapes,
        pins: &pins,
    };
    let mut out = String::from(HEADER);
    out.push_str("\n// What a variant without data carries.\nmessage Empty {}\n");
    for name in reached(shapes)? {
        e.def(&name, &mut out)?;
    }
    Ok(out)
}

/// One service's `.proto`: its RPCs, one per command and one per read, and their messages.
pub fn service_proto(shapes: &Shapes, s: &Service) -> Result<String, TypedError> {
    let mut out = String::from(HEADER);
    out.push_str(
        "\nimport \"sanxiang/region.proto\";\nimport \"sanxiang/api/v1/common.proto\";\n\
         import \"sanxiang/api/v1/types.proto\";\n\n",
    );
    comment(s.doc, "", &mut out);
    let _ = writeln!(out, "service {} {{", s.name);
    for c in s.commands {
        let v = shapes.command(c)?;
        comment(&v.doc, "  ", &mut out);
        let _ = writeln!(out, "  rpc {c}({c}Request) returns (WriteReply);");
    }
    for r in s.reads {
        comment(r.doc, "  ", &mut out);
        let reply = if r.list {
            format!("{}Reply", r.rpc)
        } else {
            r.reply.to_string()
        };
        let _ = writeln!(out, "  rpc {}(ReadRequest) returns ({reply});", r.rpc);
    }
    out.push_str("}\n");
    for c in s.commands {
        let v = shapes.command(c)?;
        let Payload::One(Ty::Named(payload)) = &v.payload else {
            return Err(TypedError::Schema(format!(
                "{c}: a command without a named payload has no typed form"
            )));
        };
        let _ = write!(
            out,
            "\nmessage {c}Request {{\n  // Names the write: a retry with the same id returns the first answer; the same id\n  \
             // with another command is refused with ALREADY_EXISTS.\n  sanxiang.region.v1.WriteId write_id = 1;\n"
        );
        comment(&v.doc, "  ", &mut out);
        let _ = writeln!(out, "  {payload} command = 2;\n}}");
    }
    for r in s.reads.iter().filter(|r| r.list) {
        let _ = writeln!(
            out,
            "\nmessage {}Reply {{\n  repeated {} items = 1;\n}}",
            r.rpc, r.reply
        );
    }
    Ok(out)
}
