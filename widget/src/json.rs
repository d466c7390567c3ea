//! JSON through the browser's own `JSON.parse` / `JSON.stringify`, and a small serde
//! deserializer for the JS values they make (plain objects, arrays, strings, numbers, booleans,
//! null). One deserializer for everything the widget reads (the site's configuration, local
//! storage, the host's arguments), and no JSON parser in the module.
//!
//! Errors carry no message: [`Mismatch`] ignores what serde would say, so none of serde's
//! error formatting (and the float formatting it pulls in) is in the bundle. The collector
//! explains a bad configuration; the widget only needs to know that it does not fit.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// A value that does not fit the type asked for.
#[derive(Debug)]
pub(crate) struct Mismatch;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("does not fit")
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Mismatch
    }
}

impl ser::Error for Mismatch {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Mismatch
    }
}

/// A JS value (plain objects for maps) to `T`.
pub(crate) fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    T::deserialize(Value(value)).map_err(|_| String::from("does not fit"))
}

/// JSON text to `T`.
pub(crate) fn from_str<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(json).map_err(|_| String::from("malformed JSON"))?;
    from_value(value)
}

/// `value` as a JS value (maps as plain objects), through JSON.
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, String> {
    js_sys::JSON::parse(&to_string(value)?).map_err(|_| String::from("not serializable"))
}

/// `value` as JSON text. Map keys must serialize as strings (ids, locales, names).
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    let mut out = String::new();
    value
        .serialize(Writer(&mut out))
        .map_err(|_| String::from("not serializable"))?;
    Ok(out)
}

/// The largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

struct Value(JsValue);

/// What a JS value is, found once outside the generic code: the deserializer's methods are
/// instantiated for every type read, so they only dispatch.
enum Kind {
    Nothing,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Seq),
    Map(Map),
    Other,
}

#[inline(never)]
fn kind(v: JsValue) -> Kind {
    if v.is_null() || v.is_undefined() {
        Kind::Nothing
    } else if let Some(b) = v.as_bool() {
        Kind::Bool(b)
    } else if let Some(n) = v.as_f64() {
        if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
            Kind::Int(n as i64)
        } else {
            Kind::Float(n)
        }
    } else if let Some(s) = v.as_string() {
        Kind::Str(s)
    } else if js_sys::Array::is_array(&v) {
        Kind::Seq(Seq {
            items: v.unchecked_into(),
            next: 0,
        })
    } else if v.is_object() {
        Kind::Map(Map {
            entries: js_sys::Object::entries(v.unchecked_ref()),
            next: 0,
            value: JsValue::UNDEFINED,
        })
    } else {
        Kind::Other
    }
}

// Out of line, as the helpers below: each struct field inlines its deserializer, and these
// are the JS calls every one of them makes.
#[inline(never)]
fn string(v: &JsValue) -> Result<String, Mismatch> {
    v.as_string().ok_or(Mismatch)
}

#[inline(never)]
fn float(v: &JsValue) -> Result<f64, Mismatch> {
    v.as_f64().ok_or(Mismatch)
}

#[inline(never)]
fn is_nothing(v: &JsValue) -> bool {
    v.is_null() || v.is_undefined()
}

#[inline(never)]
fn int(v: &JsValue) -> Result<i64, Mismatch> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE => Ok(n as i64),
        _ => Err(Mismatch),
    }
}

#[inline(never)]
fn seq(v: JsValue) -> Result<Seq, Mismatch> {
    if js_sys::Array::is_array(&v) {
        Ok(Seq {
            items: v.unchecked_into(),
            next: 0,
        })
    } else {
        Err(Mismatch)
    }
}

#[inline(never)]
fn map(v: JsValue) -> Result<Map, Mismatch> {
    if v.is_object() && !js_sys::Array::is_array(&v) {
        Ok(Map {
            entries: js_sys::Object::entries(v.unchecked_ref()),
            next: 0,
            value: JsValue::UNDEFINED,
        })
    } else {
        Err(Mismatch)
    }
}

macro_rules! ints {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
            visitor.visit_i64(int(&self.0)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match kind(self.0) {
            Kind::Nothing => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(b),
            Kind::Int(n) => visitor.visit_i64(n),
            Kind::Float(n) => visitor.visit_f64(n),
            Kind::Str(s) => visitor.visit_string(s),
            Kind::Seq(seq) => visitor.visit_seq(seq),
            Kind::Map(map) => visitor.visit_map(map),
            Kind::Other => Err(Mismatch),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_bool(self.0.as_bool().ok_or(Mismatch)?)
    }

    ints! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_f64(float(&self.0)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_string(string(&self.0)?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_string(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_string(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        if is_nothing(&self.0) {
            visitor.visit_unit()
        } else {
            Err(Mismatch)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_seq(seq(self.0)?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_map(map(self.0)?)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_map(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        if is_nothing(&self.0) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    /// `"variant"` or `{"variant": content}`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_enum(variant(self.0)?)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf
    }
}

#[inline(never)]
fn variant(v: JsValue) -> Result<Variant, Mismatch> {
    if v.is_string() {
        return Ok(Variant {
            key: v,
            content: JsValue::UNDEFINED,
        });
    }
    let entries = js_sys::Object::entries(v.dyn_ref().ok_or(Mismatch)?);
    if entries.length() != 1 {
        return Err(Mismatch);
    }
    let pair: js_sys::Array = entries.get(0).unchecked_into();
    Ok(Variant {
        key: pair.get(0),
        content: pair.get(1),
    })
}

struct Seq {
    items: js_sys::Array,
    next: u32,
}

impl<'de> de::SeqAccess<'de> for Seq {
    type Error = Mismatch;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Mismatch> {
        if self.next >= self.items.length() {
            return Ok(None);
        }
        self.next += 1;
        seed.deserialize(Value(self.items.get(self.next - 1)))
            .map(Some)
    }
}

struct Map {
    entries: js_sys::Array,
    next: u32,
    value: JsValue,
}

impl Map {
    /// The next entry's key, keeping its value for `next_value_seed`.
    #[inline(never)]
    fn advance(&mut self) -> Option<JsValue> {
        if self.next >= self.entries.length() {
            return None;
        }
        let pair: js_sys::Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = pair.get(1);
        Some(pair.get(0))
    }

    #[inline(never)]
    fn take_value(&mut self) -> JsValue {
        std::mem::replace(&mut self.value, JsValue::UNDEFINED)
    }
}

impl<'de> de::MapAccess<'de> for Map {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Mismatch> {
        match self.advance() {
            Some(key) => seed.deserialize(Value(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Mismatch> {
        seed.deserialize(Value(self.take_value()))
    }
}

struct Variant {
    key: JsValue,
    content: JsValue,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Mismatch;
    type Variant = Value;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Value), Mismatch> {
        let key: String = self.key.as_string().ok_or(Mismatch)?;
        let variant = seed.deserialize(IntoDeserializer::<Mismatch>::into_deserializer(key))?;
        Ok((variant, Value(self.content)))
    }
}

impl<'de> de::VariantAccess<'de> for Value {
    type Error = Mismatch;

    fn unit_variant(self) -> Result<(), Mismatch> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Mismatch> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Mismatch> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

/// A JSON text writer: what `serde_json::to_string` writes, for the types the widget sends.
struct Writer<'a>(&'a mut String);

fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A struct, map, sequence or variant being written; `first` until its first member.
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    /// Closes what a variant opened (`{"variant":`) after the content.
    close_variant: bool,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(',');
        }
    }

    fn end(self, close: char) {
        self.out.push(close);
        if self.close_variant {
            self.out.push('}');
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Mismatch> {
        self.comma();
        quote(self.out, key);
        self.out.push(':');
        value.serialize(Writer(self.out))
    }
}

impl<'a> Writer<'a> {
    fn open(self, open: char, close_variant: bool) -> Compound<'a> {
        self.0.push(open);
        Compound {
            out: self.0,
            first: true,
            close_variant,
        }
    }

    fn variant(self, variant: &str) -> Writer<'a> {
        self.0.push('{');
        quote(self.0, variant);
        self.0.push(':');
        self
    }

    fn int(self, n: i64) -> Result<(), Mismatch> {
        self.0.push_str(&n.to_string());
        Ok(())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Mismatch;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Mismatch> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Mismatch> {
        self.int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Mismatch> {
        self.int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Mismatch> {
        self.int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Mismatch> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Mismatch> {
        self.int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Mismatch> {
        self.int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Mismatch> {
        self.int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Mismatch> {
        self.int(i64::try_from(v).map_err(|_| Mismatch)?)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Mismatch> {
        self.serialize_f64(v.into())
    }
    /// The browser writes numbers (no float formatting in the module); not finite is `null`.
    fn serialize_f64(self, v: f64) -> Result<(), Mismatch> {
        let text = js_sys::JSON::stringify(&JsValue::from_f64(v)).map_err(|_| Mismatch)?;
        self.0.push_str(&String::from(text));
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Mismatch> {
        quote(self.0, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Mismatch> {
        quote(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Mismatch> {
        Err(Mismatch)
    }
    fn serialize_none(self) -> Result<(), Mismatch> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Mismatch> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Mismatch> {
        self.0.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Mismatch> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Mismatch> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Mismatch> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Mismatch> {
        let out = self.variant(variant);
        value.serialize(Writer(out.0))?;
        out.0.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Mismatch> {
        Ok(self.open('[', false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Mismatch> {
        Ok(self.open('[', false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Mismatch> {
        Ok(self.open('[', false))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Mismatch> {
        Ok(self.variant(variant).open('[', true))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Mismatch> {
        Ok(self.open('{', false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Mismatch> {
        Ok(self.open('{', false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Mismatch> {
        Ok(self.variant(variant).open('{', true))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        self.comma();
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, ']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, ']');
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, ']');
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, ']');
        Ok(())
    }
}

/// Keys are written as they serialize: strings, which every map the widget sends has.
impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Mismatch> {
        self.comma();
        key.serialize(Writer(self.out))?;
        self.out.push(':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, '}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Mismatch> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, '}');
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Mismatch> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Mismatch> {
        Compound::end(self, '}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use shared::response::RawResponse;
    use shared::throttle::ContactHistory;

    use super::to_string;

    /// The writer writes what the collector reads: byte for byte what `serde_json` writes,
    /// escapes included. Floats (numeric attributes) are written by the browser, so not here
    /// (and `3.0` is written `3`, which the collector reads as the same number).
    #[test]
    fn the_writer_matches_serde_json_on_what_the_widget_sends() {
        let response: RawResponse = serde_json::from_value(serde_json::json!({
            "response_id": "01936d5e-8f1a-7c3b-9d2e-4f5a6b7c8d9e",
            "survey_id": "checkout-nps",
            "survey_version": 3,
            "answers": {"nps": 3, "why": "slow \"delivery\"\n\\ \u{1} 배송", "ok": true,
                        "reasons": ["price", "delivery"]},
            "context": {
                "channel": "web",
                "site_id": "demo-shop",
                "page_url": "https://shop.example/order/7/done",
                "locale": "en-US",
                "member": "M-1001",
                "attributes": {"plan": "gold", "vip": false}
            },
            "client_time": 1_700_000_000_000_i64
        }))
        .expect("a raw response");
        assert_eq!(
            to_string(&response).expect("written"),
            serde_json::to_string(&response).expect("serde_json writes it")
        );
        let history = ContactHistory::default();
        assert_eq!(
            to_string(&history).expect("written"),
            serde_json::to_string(&history).expect("serde_json writes it")
        );
    }
}
