//! The domain's command types as shapes, read from their JSON Schema (`schemars`, derived on
//! the types themselves): the one description from which the `.proto` files are generated and
//! by which a typed message is read back into the domain's value.
use std::collections::BTreeMap;

use serde_json::Value;

use super::TypedError;

/// A value that is not a record: the proto scalar it travels as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    U64,
    I64,
    U32,
    I32,
    F64,
    Bool,
    Str,
    /// A calendar day, `YYYY-MM-DD`.
    Date,
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Scalar(Scalar),
    /// A named record, enumeration or union (a key of [`Shapes::defs`]).
    Named(String),
    List(Box<Ty>),
    /// May be absent (`Option`): `optional` for scalars and enumerations.
    Opt(Box<Ty>),
    /// A fixed tuple, carried as a message of `item_1`, `item_2`, …
    Tuple(Vec<Ty>),
    /// A map keyed by text (`map<string, …>`).
    Map(Box<Ty>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub doc: String,
    pub ty: Ty,
}

/// What a variant of a union carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Unit,
    One(Ty),
    Fields(Vec<Field>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub doc: String,
    pub payload: Payload,
}

/// A named type of the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Def {
    /// A struct: a message.
    Message(Vec<Field>),
    /// An enum without data: a proto enum.
    Enum(Vec<(String, String)>),
    /// An enum with data (serde's externally tagged form): a message with a `oneof`.
    Union(Vec<Variant>),
    /// A type with no typed form (only node-only commands reach these): why.
    Unsupported(String),
}

/// Every named type reachable from the schema's root, and the root's variants (the commands).
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    pub defs: BTreeMap<String, (String, Def)>,
    pub root: Vec<Variant>,
}

impl Shapes {
    /// The shapes of a schemars schema whose root is an externally tagged enum.
    pub fn read(schema: &Value) -> Result<Shapes, TypedError> {
        let mut shapes = Shapes::default();
        if let Some(defs) = schema.get("$defs").and_then(Value::as_object) {
            for (name, s) in defs {
                let def = def(name, s).unwrap_or_else(|e| Def::Unsupported(e.to_string()));
                shapes.defs.insert(name.clone(), (doc(s), def));
            }
        }
        match def("(root)", schema)? {
            Def::Union(v) => shapes.root = v,
            Def::Enum(v) => {
                shapes.root = v
                    .into_iter()
                    .map(|(name, doc)| Variant {
                        name,
                        doc,
                        payload: Payload::Unit,
                    })
                    .collect()
            }
            Def::Message(_) | Def::Unsupported(_) => {
                return Err(unsupported("(root)", "this root"))
            }
        }
        Ok(shapes)
    }

    pub fn def(&self, name: &str) -> Result<&Def, TypedError> {
        match self.defs.get(name) {
            Some((_, Def::Unsupported(why))) => Err(TypedError::Schema(why.clone())),
            Some((_, d)) => Ok(d),
            None => Err(TypedError::Schema(format!("no type {name} in the schema"))),
        }
    }

    /// The variant `name` of the `Command` union.
    pub fn command(&self, name: &str) -> Result<&Variant, TypedError> {
        let Def::Union(vs) = self.def("Command")? else {
            return Err(TypedError::Schema("Command is not a union".into()));
        };
        vs.iter()
            .find(|v| v.name == name)
            .ok_or_else(|| TypedError::Schema(format!("no command {name} in the schema")))
    }

    /// The named types `ty` reaches, itself included, in first-seen order.
    pub fn reach(&self, ty: &Ty, out: &mut Vec<String>) -> Result<(), TypedError> {
        match ty {
            Ty::Scalar(_) => Ok(()),
            Ty::List(t) | Ty::Opt(t) | Ty::Map(t) => self.reach(t, out),
            Ty::Tuple(ts) => ts.iter().try_for_each(|t| self.reach(t, out)),
            Ty::Named(n) => {
                if out.contains(n) {
                    return Ok(());
                }
                out.push(n.clone());
                match self.def(n)? {
                    Def::Enum(_) | Def::Unsupported(_) => Ok(()),
                    Def::Message(fields) => fields.iter().try_for_each(|f| self.reach(&f.ty, out)),
                    Def::Union(vs) => vs.iter().try_for_each(|v| match &v.payload {
                        Payload::Unit => Ok(()),
                        Payload::One(t) => self.reach(t, out),
                        Payload::Fields(fs) => fs.iter().try_for_each(|f| self.reach(&f.ty, out)),
                    }),
                }
            }
        }
    }
}

fn unsupported(at: &str, what: &str) -> TypedError {
    TypedError::Schema(format!("{at}: {what} has no typed form"))
}

fn doc(s: &Value) -> String {
    s.get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A string-only enumeration's values (`{"type":"string","enum":[…]}` or `{"const": …}`).
fn unit_names(s: &Value) -> Option<Vec<String>> {
    if let Some(c) = s.get("const").and_then(Value::as_str) {
        return Some(vec![c.to_string()]);
    }
    let list = s.get("enum")?.as_array()?;
    list.iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn def(name: &str, s: &Value) -> Result<Def, TypedError> {
    if let Some(names) = unit_names(s) {
        return Ok(Def::Enum(names.into_iter().map(|n| (n, doc(s))).collect()));
    }
    if let Some(alts) = s.get("oneOf").and_then(Value::as_array) {
        let mut units = Vec::new();
        let mut variants = Vec::new();
        for alt in alts {
            if let Some(names) = unit_names(alt) {
                for n in names {
                    units.push((n.clone(), doc(alt)));
                    variants.push(Variant {
                        name: n,
                        doc: doc(alt),
                        payload: Payload::Unit,
                    });
                }
                continue;
            }
            let props = alt
                .get("properties")
                .and_then(Value::as_object)
                .filter(|p| p.len() == 1)
                .ok_or_else(|| unsupported(name, "a variant that is not externally tagged"))?;
            for (vname, inner) in props {
                let at = format!("{name}::{vname}");
                let payload = if inner.get("properties").is_some() {
                    Payload::Fields(fields(&at, inner)?)
                } else {
                    Payload::One(ty(&at, inner)?)
                };
                variants.push(Variant {
                    name: vname.clone(),
                    doc: doc(alt),
                    payload,
                });
            }
        }
        if units.len() == variants.len() {
            return Ok(Def::Enum(units));
        }
        return Ok(Def::Union(variants));
    }
    if s.get("type").and_then(Value::as_str) == Some("object") {
        return Ok(Def::Message(fields(name, s)?));
    }
    Err(unsupported(name, "this schema"))
}

fn fields(at: &str, s: &Value) -> Result<Vec<Field>, TypedError> {
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    props
        .iter()
        .map(|(name, p)| {
            Ok(Field {
                name: name.clone(),
                doc: doc(p),
                ty: ty(&format!("{at}.{name}"), p)?,
            })
        })
        .collect()
}

fn ty(at: &str, s: &Value) -> Result<Ty, TypedError> {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return Ok(Ty::Named(name.to_string()));
    }
    if let Some(alts) = s.get("anyOf").and_then(Value::as_array) {
        let null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
        if let [a, b] = alts.as_slice() {
            if null(b) {
                return Ok(Ty::Opt(Box::new(ty(at, a)?)));
            }
            if null(a) {
                return Ok(Ty::Opt(Box::new(ty(at, b)?)));
            }
        }
        return Err(unsupported(at, "a choice of types"));
    }
    let kind = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => {
            let named: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            match named.as_slice() {
                [t, "null"] | ["null", t] => {
                    let mut inner = s.clone();
                    if let Some(o) = inner.as_object_mut() {
                        o.insert("type".into(), Value::String((*t).to_string()));
                    }
                    return Ok(Ty::Opt(Box::new(ty(at, &inner)?)));
                }
                _ => return Err(unsupported(at, "a value of several types")),
            }
        }
        _ => return Err(unsupported(at, "a value without a type")),
    };
    let format = s.get("format").and_then(Value::as_str).unwrap_or_default();
    Ok(match (kind.as_str(), format) {
        ("integer", "uint64" | "uint") => Ty::Scalar(Scalar::U64),
        ("integer", "int64" | "int") => Ty::Scalar(Scalar::I64),
        ("integer", "uint32") => Ty::Scalar(Scalar::U32),
        ("integer", "int32") => Ty::Scalar(Scalar::I32),
        ("number", _) => Ty::Scalar(Scalar::F64),
        ("boolean", _) => Ty::Scalar(Scalar::Bool),
        ("string", "date") => Ty::Scalar(Scalar::Date),
        ("string", _) if s.get("enum").is_none() => Ty::Scalar(Scalar::Str),
        ("object", _) if s.get("properties").is_none() => {
            let values = s
                .get("additionalProperties")
                .filter(|v| v.is_object())
                .ok_or_else(|| unsupported(at, "an object without fields"))?;
            let inner = ty(&format!("{at}{{}}"), values)?;
            if matches!(inner, Ty::List(_) | Ty::Opt(_) | Ty::Map(_)) {
                return Err(unsupported(at, "a map of lists, maps or absent values"));
            }
            Ty::Map(Box::new(inner))
        }
        ("array", _) => {
            if let Some(items) = s.get("prefixItems").and_then(Value::as_array) {
                let ts = items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| ty(&format!("{at}.{i}"), t))
                    .collect::<Result<_, _>>()?;
                return Ok(Ty::Tuple(ts));
            }
            let items = s
                .get("items")
                .ok_or_else(|| unsupported(at, "a list without an item type"))?;
            let inner = ty(&format!("{at}[]"), items)?;
            if matches!(inner, Ty::List(_) | Ty::Opt(_)) {
                return Err(unsupported(at, "a list of lists or of absent values"));
            }
            Ty::List(Box::new(inner))
        }
        _ => return Err(unsupported(at, &format!("a {kind} ({format})"))),
    })
}
