package main

// The program's own encoder of the JSON that SideEye must produce for a value: the same conventions and limits
// (kernel/SideEye.Probes/Values/ValueReadRules.cs), written with reflect over the live values, so the expected
// output comes from Go's own view of them rather than from SideEye's reading of memory.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

const (
	stringBytes   = 512
	sliceBytes    = 512
	pointerDepth  = 8
	maxBlockBytes = 4096
)

// chanState is what reflect cannot tell about a channel: whether it is closed and its buffered items.
type chanState struct {
	closed bool
	items  []interface{}
}

var knownChans = map[uintptr]chanState{}

var (
	timeType     = reflect.TypeOf(time.Time{})
	durationType = reflect.TypeOf(time.Duration(0))
	contextType  = reflect.TypeOf((*context.Context)(nil)).Elem()
)

type pathKey struct {
	addr uintptr
	t    reflect.Type
}

type encoder struct{ path map[pathKey]bool }

func hex(p uintptr) string { return fmt.Sprintf("0x%x", p) }

// encodeAt encodes the value ptr points to, as the root of a capture at that address.
func encodeAt(ptr interface{}) interface{} {
	v := reflect.ValueOf(ptr)
	e := &encoder{path: map[pathKey]bool{{v.Pointer(), v.Type().Elem()}: true}}
	return e.value(v.Elem(), 0)
}

// encodeValue encodes a value that has no address (a parameter as the callee sees it).
func encodeValue(ptr interface{}) interface{} {
	e := &encoder{path: map[pathKey]bool{}}
	return e.value(reflect.ValueOf(ptr).Elem(), 0)
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// elementCount is ValueReadRules.SliceElementCount.
func elementCount(length int, elemSize uintptr) int {
	if length <= 0 {
		return 0
	}
	if elemSize == 0 {
		return minInt(length, sliceBytes)
	}
	n := minInt(length, maxInt(1, sliceBytes/int(elemSize)))
	return minInt(n, maxInt(1, maxBlockBytes/int(elemSize)))
}

// text turns bytes into a JSON string as encoding/json does: each invalid byte becomes U+FFFD.
func text(b []byte) string { return string([]rune(string(b))) }

func floatNumber(f float64, bits int) interface{} {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, bits))
}

func (e *encoder) value(v reflect.Value, depth int) interface{} {
	t := v.Type()
	switch t {
	case timeType:
		return decodeTime(v.Field(0).Uint(), v.Field(1).Int())
	case durationType:
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return json.Number(strconv.FormatUint(v.Uint(), 10))
	case reflect.Uintptr:
		return hex(uintptr(v.Uint()))
	case reflect.UnsafePointer:
		return hex(v.Pointer())
	case reflect.Float32:
		return floatNumber(v.Float(), 32)
	case reflect.Float64:
		return floatNumber(v.Float(), 64)
	case reflect.Complex64, reflect.Complex128:
		if t.Kind() == reflect.Complex64 {
			return fmt.Sprint(complex64(v.Complex()))
		}
		return fmt.Sprint(v.Complex())
	case reflect.String:
		s := v.String()
		if len(s) > stringBytes {
			return map[string]interface{}{"$str": text([]byte(s[:stringBytes])), "$len": len(s)}
		}
		return text([]byte(s))
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		n := elementCount(v.Len(), t.Elem().Size())
		return e.sequence(v, n, depth)
	case reflect.Array:
		return e.sequence(v, v.Len(), depth)
	case reflect.Struct:
		obj := map[string]interface{}{}
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).Name == "_" {
				continue
			}
			obj[t.Field(i).Name] = e.value(v.Field(i), depth)
		}
		return obj
	case reflect.Pointer:
		p := v.Pointer()
		if p == 0 {
			return nil
		}
		key := pathKey{p, t.Elem()}
		if e.path[key] {
			return map[string]interface{}{"$cycle": hex(p)}
		}
		if depth+1 > pointerDepth {
			return map[string]interface{}{"$depth": hex(p)}
		}
		e.path[key] = true
		defer delete(e.path, key)
		return e.value(v.Elem(), depth+1)
	case reflect.Interface:
		return e.iface(v, depth)
	case reflect.Map:
		return e.mapValue(v, depth)
	case reflect.Chan:
		if v.IsNil() {
			return nil
		}
		state, ok := knownChans[v.Pointer()]
		if !ok {
			panic("channel not registered with knownChans: " + t.String())
		}
		items := []interface{}{}
		for _, item := range state.items {
			items = append(items, e.value(reflect.ValueOf(item), depth))
		}
		return map[string]interface{}{"$chan": t.String(), "len": v.Len(), "cap": v.Cap(), "closed": state.closed, "items": items}
	case reflect.Func:
		if v.IsNil() {
			return nil
		}
		return map[string]interface{}{"$func": runtime.FuncForPC(v.Pointer()).Name()}
	}
	panic("unhandled kind " + t.String())
}

// sequence encodes the first n elements of a slice or array (all of an array), bytes as text when they are UTF-8.
func (e *encoder) sequence(v reflect.Value, n int, depth int) interface{} {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(v.Index(i).Uint())
		}
		var out map[string]interface{}
		if isText(b) {
			if n == v.Len() {
				return string(b)
			}
			out = map[string]interface{}{"$str": string(b)}
		} else {
			out = map[string]interface{}{"$base64": base64.StdEncoding.EncodeToString(b)}
		}
		if n < v.Len() {
			out["$len"] = v.Len()
		}
		return out
	}
	items := []interface{}{}
	for i := 0; i < n; i++ {
		items = append(items, e.value(v.Index(i), depth))
	}
	if n < v.Len() {
		return map[string]interface{}{"$items": items, "$len": v.Len()}
	}
	return items
}

// pointerShaped: the dynamic types an interface holds in its data word itself.
func pointerShaped(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.UnsafePointer, reflect.Map, reflect.Chan, reflect.Func:
		return true
	case reflect.Struct:
		return t.NumField() == 1 && pointerShaped(t.Field(0).Type)
	case reflect.Array:
		return t.Len() == 1 && pointerShaped(t.Elem())
	}
	return false
}

func (e *encoder) iface(v reflect.Value, depth int) interface{} {
	if v.IsNil() {
		return nil
	}
	elem := v.Elem()
	inner := depth
	if !pointerShaped(elem.Type()) {
		inner = depth + 1
		if inner > pointerDepth {
			panic("test data puts an interface's boxed value beyond the pointer depth; its address is not known here")
		}
	}
	value := e.value(elem, inner)
	out := map[string]interface{}{"$type": elem.Type().String(), "value": value}
	if obj, ok := value.(map[string]interface{}); ok {
		switch elem.Type().String() {
		case "*errors.errorString":
			out["$error"] = obj["s"]
		case "*fmt.wrapError", "*fmt.wrapErrors":
			out["$error"] = obj["msg"]
		}
	}
	if v.Type() == contextType {
		out["$context"] = contextValues(out)
	}
	return out
}

// contextValues walks an encoded context.Context down its parents, collecting valueCtx pairs innermost first.
func contextValues(node map[string]interface{}) []interface{} {
	values := []interface{}{}
	for i := 0; node != nil && i < 64; i++ {
		obj, ok := node["value"].(map[string]interface{})
		if !ok {
			break
		}
		if node["$type"] == "*context.valueCtx" {
			values = append(values, map[string]interface{}{"key": obj["key"], "value": obj["val"]})
		}
		node = contextParent(obj)
	}
	return values
}

func contextParent(obj map[string]interface{}) map[string]interface{} {
	for _, name := range []string{"Context", "c"} {
		if p, ok := obj[name].(map[string]interface{}); ok {
			if _, isIface := p["$type"]; isIface {
				return p
			}
		}
	}
	if inner, ok := obj["cancelCtx"].(map[string]interface{}); ok {
		return contextParent(inner)
	}
	return nil
}

func (e *encoder) mapValue(v reflect.Value, depth int) interface{} {
	if v.IsNil() {
		return nil
	}
	type entry struct {
		keyText string
		key     interface{}
		value   interface{}
	}
	var entries []entry
	iter := v.MapRange()
	for iter.Next() {
		k := e.value(iter.Key(), depth)
		kt, _ := json.Marshal(k)
		entries = append(entries, entry{string(kt), k, e.value(iter.Value(), depth)})
	}
	switch v.Type().Key().Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		obj := map[string]interface{}{}
		for _, en := range entries {
			obj[keyText(en.key)] = en.value
		}
		return obj
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].keyText < entries[j].keyText })
	list := []interface{}{}
	for _, en := range entries {
		list = append(list, map[string]interface{}{"key": en.key, "value": en.value})
	}
	return list
}

func keyText(k interface{}) string {
	switch k := k.(type) {
	case string:
		return k
	case bool:
		return strconv.FormatBool(k)
	case json.Number:
		return string(k)
	}
	panic(fmt.Sprintf("key %v", k))
}

// decodeTime is time.Time's wall/ext encoding (time.go): with hasMonotonic, wall holds the seconds since 1885.
func decodeTime(wall uint64, ext int64) string {
	const (
		hasMonotonic   = 1 << 63
		nsecShift      = 30
		nsecMask       = 1<<30 - 1
		wallToInternal = int64((1884*365 + 1884/4 - 1884/100 + 1884/400) * 86400)
		unixToInternal = int64((1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400)
	)
	sec := ext
	if wall&hasMonotonic != 0 {
		sec = wallToInternal + int64(wall<<1>>(nsecShift+1))
	}
	return time.Unix(sec-unixToInternal, int64(wall&nsecMask)).UTC().Format(time.RFC3339Nano)
}

// isText: valid UTF-8 without control characters other than tab and line breaks (SideEye's rule for []byte).
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
	return true
}
