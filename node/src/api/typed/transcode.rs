//! The one conversion between a typed message and the domain's value, in both directions,
//! guided by the shapes: a message is read by its descriptor into the JSON form the domain's
//! serde reads (and written back from it). Every field is checked on the way in — an
//! enumeration left unset or unknown, a missing record, a malformed day, a choice not made —
//! and refused with the field's path, before any command exists.
use prost_reflect::{DynamicMessage, Kind, MessageDescriptor, ReflectMessage, Value as P};
use serde_json::{json, Map, Value};

use super::emit::{enum_value, snake};
use super::shape::{Def, Field, Payload, Scalar, Shapes, Ty};
use super::TypedError;

fn input(path: &str, problem: impl Into<String>) -> TypedError {
    TypedError::Input {
        field: path.to_string(),
        problem: problem.into(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Reads a message of the named domain type into the domain's JSON form.
pub fn to_domain(
    shapes: &Shapes,
    name: &str,
    msg: &DynamicMessage,
    path: &str,
) -> Result<Value, TypedError> {
    match shapes.def(name)? {
        Def::Message(fields) => record(shapes, fields, msg, path),
        Def::Union(variants) => {
            for v in variants {
                let field = snake(&v.name);
                if !msg.has_field_by_name(&field) {
                    continue;
                }
                let at = join(path, &field);
                let got = msg.get_field_by_name(&field);
                return Ok(match (&v.payload, got.as_deref()) {
                    (Payload::Unit, _) => Value::String(v.name.clone()),
                    (Payload::One(t), Some(p)) => {
                        let kind = kind_of(msg, &field, &at)?;
                        json!({ v.name.clone(): value(shapes, t, p, &kind, &at)? })
                    }
                    (Payload::Fields(fs), Some(P::Message(m))) => {
                        json!({ v.name.clone(): record(shapes, fs, m, &at)? })
                    }
                    _ => return Err(input(&at, "形式不符")),
                });
            }
            let choices: Vec<String> = variants.iter().map(|v| snake(&v.name)).collect();
            Err(input(path, format!("须选择其一：{}", choices.join("、"))))
        }
        Def::Enum(_) | Def::Unsupported(_) => {
            Err(TypedError::Schema(format!("{name} is not a message")))
        }
    }
}

fn record(
    shapes: &Shapes,
    fields: &[Field],
    msg: &DynamicMessage,
    path: &str,
) -> Result<Value, TypedError> {
    let mut out = Map::new();
    for f in fields {
        let at = join(path, &f.name);
        let present = msg.has_field_by_name(&f.name);
        let v = match &f.ty {
            Ty::Opt(_) if !present => Value::Null,
            Ty::Opt(inner) => field(shapes, inner, msg, &f.name, &at)?,
            ty => {
                if !present && is_record(shapes, ty)? {
                    return Err(input(&at, "缺少此项"));
                }
                field(shapes, ty, msg, &f.name, &at)?
            }
        };
        out.insert(f.name.clone(), v);
    }
    Ok(Value::Object(out))
}

fn field(
    shapes: &Shapes,
    ty: &Ty,
    msg: &DynamicMessage,
    name: &str,
    at: &str,
) -> Result<Value, TypedError> {
    let p = msg
        .get_field_by_name(name)
        .ok_or_else(|| TypedError::Schema(format!("the message has no field {at}")))?;
    value(shapes, ty, &p, &kind_of(msg, name, at)?, at)
}

fn kind_of(msg: &DynamicMessage, name: &str, at: &str) -> Result<Kind, TypedError> {
    msg.descriptor()
        .get_field_by_name(name)
        .map(|f| f.kind())
        .ok_or_else(|| TypedError::Schema(format!("the message has no field {at}")))
}

/// Whether a value of `ty` travels as a message (absent means missing, not zero).
fn is_record(shapes: &Shapes, ty: &Ty) -> Result<bool, TypedError> {
    Ok(match ty {
        Ty::Tuple(_) => true,
        Ty::Named(n) => !matches!(shapes.def(n)?, Def::Enum(_)),
        _ => false,
    })
}

fn value(shapes: &Shapes, ty: &Ty, p: &P, kind: &Kind, at: &str) -> Result<Value, TypedError> {
    Ok(match (ty, p) {
        (Ty::Scalar(s), p) => scalar(*s, p, at)?,
        (Ty::Opt(t), p) => value(shapes, t, p, kind, at)?,
        (Ty::List(t), P::List(items)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, it)| value(shapes, t, it, kind, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        (Ty::Map(t), P::Map(entries)) => {
            let mut out = Map::new();
            for (k, v) in entries {
                let prost_reflect::MapKey::String(k) = k else {
                    return Err(input(at, "键须为文本"));
                };
                out.insert(
                    k.clone(),
                    value(shapes, t, v, &map_value_kind(kind), &join(at, k))?,
                );
            }
            Value::Object(out)
        }
        (Ty::Tuple(ts), P::Message(m)) => {
            let mut items = Vec::new();
            for (i, t) in ts.iter().enumerate() {
                let name = format!("item_{}", i + 1);
                items.push(field(shapes, t, m, &name, &join(at, &name))?);
            }
            Value::Array(items)
        }
        (Ty::Named(n), P::EnumNumber(num)) => {
            let Def::Enum(vs) = shapes.def(n)? else {
                return Err(TypedError::Schema(format!("{n} is not an enumeration")));
            };
            // Numbers are pinned per value name; the descriptor names the value.
            let names: Vec<String> = vs.iter().map(|(v, _)| enum_value(n, v)).collect();
            let chosen = match kind {
                Kind::Enum(e) => e.get_value(*num).map(|x| x.name().to_string()),
                _ => None,
            };
            match names
                .iter()
                .position(|x| Some(x.as_str()) == chosen.as_deref())
            {
                Some(i) => Value::String(vs[i].0.clone()),
                None => {
                    return Err(input(
                        at,
                        format!("取值 {num} 无效；可选：{}", names.join("、")),
                    ))
                }
            }
        }
        (Ty::Named(n), P::Message(m)) => to_domain(shapes, n, m, at)?,
        _ => return Err(input(at, "形式不符")),
    })
}

/// The kind of a map field's values (a map field's kind is its entry message).
fn map_value_kind(kind: &Kind) -> Kind {
    match kind {
        Kind::Message(m) if m.is_map_entry() => m.map_entry_value_field().kind(),
        k => k.clone(),
    }
}

fn scalar(s: Scalar, p: &P, at: &str) -> Result<Value, TypedError> {
    Ok(match (s, p) {
        (Scalar::U64, P::U64(v)) => json!(v),
        (Scalar::I64, P::I64(v)) => json!(v),
        (Scalar::U32, P::U32(v)) => json!(v),
        (Scalar::I32, P::I32(v)) => json!(v),
        (Scalar::F64, P::F64(v)) => json!(v),
        (Scalar::Bool, P::Bool(v)) => json!(v),
        (Scalar::Str, P::String(v)) => json!(v),
        (Scalar::Date, P::String(v)) => {
            if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
                return Err(input(at, format!("日期 {v:?} 无效，须为 YYYY-MM-DD")));
            }
            json!(v)
        }
        _ => return Err(input(at, "形式不符")),
    })
}

/// Writes the domain's JSON form of a named type as a message of `desc`.
pub fn from_domain(
    shapes: &Shapes,
    name: &str,
    v: &Value,
    desc: &MessageDescriptor,
) -> Result<DynamicMessage, TypedError> {
    let mut msg = DynamicMessage::new(desc.clone());
    match shapes.def(name)? {
        Def::Message(fields) => fill(shapes, fields, v, &mut msg)?,
        Def::Union(variants) => {
            let (vname, inner) = match v {
                Value::String(s) => (s.clone(), Value::Null),
                Value::Object(o) if o.len() == 1 => {
                    let (k, x) = o.iter().next().ok_or_else(|| shape_err(name))?;
                    (k.clone(), x.clone())
                }
                _ => return Err(shape_err(name)),
            };
            let var = variants
                .iter()
                .find(|x| x.name == vname)
                .ok_or_else(|| shape_err(name))?;
            let fd = desc
                .get_field_by_name(&snake(&vname))
                .ok_or_else(|| shape_err(name))?;
            let p = match &var.payload {
                Payload::Unit => P::Message(DynamicMessage::new(message_of(&fd.kind(), name)?)),
                Payload::One(t) => pvalue(shapes, t, &inner, &fd.kind())?,
                Payload::Fields(fs) => {
                    let mut m = DynamicMessage::new(message_of(&fd.kind(), name)?);
                    fill(shapes, fs, &inner, &mut m)?;
                    P::Message(m)
                }
            };
            msg.set_field(&fd, p);
        }
        Def::Enum(_) | Def::Unsupported(_) => return Err(shape_err(name)),
    }
    Ok(msg)
}

fn shape_err(name: &str) -> TypedError {
    TypedError::Schema(format!(
        "a value of {name} does not have its schema's shape"
    ))
}

fn message_of(kind: &Kind, name: &str) -> Result<MessageDescriptor, TypedError> {
    match kind {
        Kind::Message(m) => Ok(m.clone()),
        _ => Err(shape_err(name)),
    }
}

fn fill(
    shapes: &Shapes,
    fields: &[Field],
    v: &Value,
    msg: &mut DynamicMessage,
) -> Result<(), TypedError> {
    for f in fields {
        let x = v.get(&f.name).unwrap_or(&Value::Null);
        if x.is_null() {
            continue;
        }
        let fd = msg
            .descriptor()
            .get_field_by_name(&f.name)
            .ok_or_else(|| shape_err(&f.name))?;
        let p = pvalue(shapes, &f.ty, x, &fd.kind())?;
        msg.set_field(&fd, p);
    }
    Ok(())
}

fn pvalue(shapes: &Shapes, ty: &Ty, v: &Value, kind: &Kind) -> Result<P, TypedError> {
    let bad = || shape_err(&format!("{ty:?}"));
    Ok(match ty {
        Ty::Scalar(s) => match s {
            Scalar::U64 => P::U64(v.as_u64().ok_or_else(bad)?),
            Scalar::I64 => P::I64(v.as_i64().ok_or_else(bad)?),
            Scalar::U32 => P::U32(u32::try_from(v.as_u64().ok_or_else(bad)?).map_err(|_| bad())?),
            Scalar::I32 => P::I32(i32::try_from(v.as_i64().ok_or_else(bad)?).map_err(|_| bad())?),
            Scalar::F64 => P::F64(v.as_f64().ok_or_else(bad)?),
            Scalar::Bool => P::Bool(v.as_bool().ok_or_else(bad)?),
            Scalar::Str | Scalar::Date => P::String(v.as_str().ok_or_else(bad)?.to_string()),
        },
        Ty::Opt(t) => pvalue(shapes, t, v, kind)?,
        Ty::List(t) => P::List(
            v.as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|x| pvalue(shapes, t, x, kind))
                .collect::<Result<_, _>>()?,
        ),
        Ty::Map(t) => {
            let vkind = map_value_kind(kind);
            let mut out = std::collections::HashMap::new();
            for (k, x) in v.as_object().ok_or_else(bad)? {
                out.insert(
                    prost_reflect::MapKey::String(k.clone()),
                    pvalue(shapes, t, x, &vkind)?,
                );
            }
            P::Map(out)
        }
        Ty::Tuple(ts) => {
            let desc = message_of(kind, "tuple")?;
            let items = v.as_array().ok_or_else(bad)?;
            let mut m = DynamicMessage::new(desc.clone());
            for (i, (t, x)) in ts.iter().zip(items).enumerate() {
                let fd = desc
                    .get_field_by_name(&format!("item_{}", i + 1))
                    .ok_or_else(bad)?;
                m.set_field(&fd, pvalue(shapes, t, x, &fd.kind())?);
            }
            P::Message(m)
        }
        Ty::Named(n) => match (shapes.def(n)?, kind) {
            (Def::Enum(_), Kind::Enum(e)) => {
                let name = enum_value(n, v.as_str().ok_or_else(bad)?);
                P::EnumNumber(e.get_value_by_name(&name).ok_or_else(bad)?.number())
            }
            (_, Kind::Message(m)) => P::Message(from_domain(shapes, n, v, m)?),
            _ => return Err(bad()),
        },
    })
}
