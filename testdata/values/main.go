// Command values holds known values of every kind SideEye captures: in package variables, and as parameters and
// locals of goroutines parked inside main.hold* functions (one per group of kinds).
//
// It prints one line "expect {json}" with {"globals": {NAME: JSON}, "frames": {FUNC: {PARAM: JSON}}}, the JSON
// SideEye must produce for each value (built by expect.go from Go's own view of the values, with the same
// conventions and limits), then "ready pid=N", and exits when standard input closes. A global whose expected
// JSON is the string "$skip" depends on map hashing (which entries a bounded read sees): tests check it apart.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

type Point struct{ X, Y int }

type Inner struct {
	Name string
	Tags []string
}

type Outer struct {
	ID int64
	Inner
	Ptr  *Inner
	Arr  [3]uint16
	Flag bool
}

type Node struct {
	Name string
	Next *Node
}

type Deep struct {
	Level int
	Next  *Deep
}

type MyInt int

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Wrapper is pointer-shaped: an interface holds it in its data word.
type Wrapper struct{ P *Point }

// onlyBoxed is only ever converted to an interface, so the linker may write no DWARF for it (it does from Go 1.25).
type onlyBoxed struct{ A, B int }

type ctxKey string

type Shape interface{ Area() float64 }

type Square struct{ Side float64 }

func (s Square) Area() float64 { return s.Side * s.Side }

type Circle struct{ R float64 }

func (c *Circle) Area() float64 { return math.Pi * c.R * c.R }

var counter int

var (
	gBool              = true
	gInt               = -42
	gInt8      int8    = -8
	gInt16     int16   = -1600
	gInt32     int32   = -320000
	gInt64     int64   = math.MinInt64
	gUint      uint    = 42
	gUint8     uint8   = 255
	gUint16    uint16  = 65535
	gUint32    uint32  = 4000000000
	gUint64    uint64  = math.MaxUint64
	gUintptr   uintptr = 0xdeadbeef
	gFloat32   float32 = 1.1
	gFloat64           = 3.141592653589793
	gNaN               = math.NaN()
	gPosInf            = math.Inf(1)
	gNegInf            = math.Inf(-1)
	gComplex64         = complex64(complex(1, 2))
	gComplex128        = complex(-1.5, -0.25)
	gMyInt     MyInt   = 7
	gUnsafe            = unsafe.Pointer(&counter)

	gString      = "hello, 世界"
	gEmptyString = ""
	gInvalidUTF8 = "a\xffb\xe4\xb8"
	gHugeString  = strings.Repeat("x", 1<<20)
	gBytes       = []byte("bytes ok")
	gBinary      = []byte{0, 1, 0xfe, 0xff}
	gByteArray   = [4]byte{'a', 'b', 'c', 'd'}
	gIntArray    = [3]int{1, 2, 3}
	gSlice       = []int{10, 20, 30}
	gNilSlice    []int
	gEmptySlice  = []int{}
	gLongSlice   = make([]int64, 1000)
	gStrings     = []string{"a", "b"}
	gPoints      = []Point{{1, 2}, {3, 4}}

	gStruct     = Outer{ID: 9, Inner: Inner{"in", []string{"t1"}}, Ptr: &Inner{Name: "ptr"}, Arr: [3]uint16{1, 2, 3}, Flag: true}
	gPointer    = &Point{1, 2}
	gNilPointer *Point
	gCycle      *Node
	gDeep       *Deep

	gMap          = map[string]int{"one": 1, "two": 2, "three": 3}
	gIntKeys      = map[int]string{1: "a", -5: "b", 100: "c"}
	gStructValues = map[string]Point{"p": {1, 2}, "q": {3, 4}}
	gStructKeys   = map[Point]string{{1, 2}: "a", {3, 4}: "b"}
	gBoolKeys     = map[bool]int{true: 1, false: 0}
	gFloatKeys    = map[float64]string{1.5: "a", -2: "b"}
	gNilMap       map[string]int
	gEmptyMap     = map[string]int{}
	gHugeMap      map[string]int
	gGrowingMap   map[int32]int32

	gAnyInt      interface{} = 42
	gNilAny      interface{}
	gInterfaces  []interface{}
	gShape       Shape = Square{2}
	gShapePtr    Shape = &Circle{1}
	gError             = errors.New("boom")
	gWrapped           = fmt.Errorf("wrapped: %w", gError)
	gNilError    error
	gCtx         context.Context
	gCancel      context.CancelFunc
	gWrapper     = Wrapper{&Point{4, 4}}
	gOnlyBoxed   interface{} = onlyBoxed{1, 2}
	gGeneric     = Pair[string, int]{"k", 1}
	gGenericPtr  = &Pair[int, []string]{3, []string{"x"}}
	gTime        = time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	gTimeZone    = time.Date(2001, 9, 9, 1, 46, 40, 0, time.FixedZone("X", 3600))
	gTimeNow     = time.Now()
	gZeroTime    time.Time
	gDuration    = 1500 * time.Millisecond
	gDurations   = []time.Duration{0, 1, 1500, 2 * time.Minute, -3*time.Hour - 25*time.Second, math.MaxInt64}
	gChan        = make(chan int, 4)
	gClosedChan  = make(chan string, 2)
	gUnbuffered  = make(chan struct{})
	gNilChan     chan int
	gFunc        = strings.ToUpper
	gClosure     func() int
	gMethodValue func() float64
	gNilFunc     func()
)

// globals names every package variable the tests capture; taking their addresses also keeps them linked.
var globals = []struct {
	name string
	ptr  interface{}
}{
	{"main.gBool", &gBool}, {"main.gInt", &gInt}, {"main.gInt8", &gInt8}, {"main.gInt16", &gInt16}, {"main.gInt32", &gInt32},
	{"main.gInt64", &gInt64}, {"main.gUint", &gUint}, {"main.gUint8", &gUint8}, {"main.gUint16", &gUint16},
	{"main.gUint32", &gUint32}, {"main.gUint64", &gUint64}, {"main.gUintptr", &gUintptr}, {"main.gFloat32", &gFloat32},
	{"main.gFloat64", &gFloat64}, {"main.gNaN", &gNaN}, {"main.gPosInf", &gPosInf}, {"main.gNegInf", &gNegInf},
	{"main.gComplex64", &gComplex64}, {"main.gComplex128", &gComplex128}, {"main.gMyInt", &gMyInt}, {"main.gUnsafe", &gUnsafe},
	{"main.gString", &gString}, {"main.gEmptyString", &gEmptyString}, {"main.gInvalidUTF8", &gInvalidUTF8},
	{"main.gHugeString", &gHugeString}, {"main.gBytes", &gBytes}, {"main.gBinary", &gBinary}, {"main.gByteArray", &gByteArray},
	{"main.gIntArray", &gIntArray}, {"main.gSlice", &gSlice}, {"main.gNilSlice", &gNilSlice}, {"main.gEmptySlice", &gEmptySlice},
	{"main.gLongSlice", &gLongSlice}, {"main.gStrings", &gStrings}, {"main.gPoints", &gPoints},
	{"main.gStruct", &gStruct}, {"main.gPointer", &gPointer}, {"main.gNilPointer", &gNilPointer}, {"main.gCycle", &gCycle},
	{"main.gDeep", &gDeep},
	{"main.gMap", &gMap}, {"main.gIntKeys", &gIntKeys}, {"main.gStructValues", &gStructValues}, {"main.gStructKeys", &gStructKeys},
	{"main.gBoolKeys", &gBoolKeys}, {"main.gFloatKeys", &gFloatKeys}, {"main.gNilMap", &gNilMap}, {"main.gEmptyMap", &gEmptyMap},
	{"main.gHugeMap", &gHugeMap}, {"main.gGrowingMap", &gGrowingMap},
	{"main.gAnyInt", &gAnyInt}, {"main.gNilAny", &gNilAny}, {"main.gInterfaces", &gInterfaces}, {"main.gShape", &gShape},
	{"main.gShapePtr", &gShapePtr}, {"main.gError", &gError}, {"main.gWrapped", &gWrapped}, {"main.gNilError", &gNilError},
	{"main.gCtx", &gCtx}, {"main.gWrapper", &gWrapper}, {"main.gOnlyBoxed", &gOnlyBoxed}, {"main.gGeneric", &gGeneric}, {"main.gGenericPtr", &gGenericPtr},
	{"main.gTime", &gTime}, {"main.gTimeZone", &gTimeZone}, {"main.gTimeNow", &gTimeNow}, {"main.gZeroTime", &gZeroTime},
	{"main.gDuration", &gDuration}, {"main.gDurations", &gDurations},
	{"main.gChan", &gChan}, {"main.gClosedChan", &gClosedChan}, {"main.gUnbuffered", &gUnbuffered}, {"main.gNilChan", &gNilChan},
	{"main.gFunc", &gFunc}, {"main.gClosure", &gClosure}, {"main.gMethodValue", &gMethodValue}, {"main.gNilFunc", &gNilFunc},
}

// skipped globals depend on map hashing; the tests check them apart.
var skipped = map[string]bool{"main.gHugeMap": true, "main.gOnlyBoxed": true}

// HugeMapEntries is the size of gHugeMap, whose entries are "k<i>": i.
const HugeMapEntries = 100000

func setup() {
	a := &Node{Name: "a"}
	b := &Node{Name: "b", Next: a}
	a.Next = b
	gCycle = a

	for i := 12; i >= 1; i-- {
		gDeep = &Deep{Level: i, Next: gDeep}
	}
	for i := range gLongSlice {
		gLongSlice[i] = int64(i)
	}

	gHugeMap = make(map[string]int)
	for i := 0; i < HugeMapEntries; i++ {
		gHugeMap[fmt.Sprintf("k%d", i)] = i
	}
	// Up to Go 1.23 maps grow incrementally: insert until the map is mid-growth (8 buckets growing into 16, small
	// enough to be read whole); Swiss tables (1.24 on) grow at once, so there it is just a 53-entry map.
	gGrowingMap = make(map[int32]int32)
	for i := int32(0); i < 64; i++ {
		gGrowingMap[i*7] = -i
		if i >= 52 || (i >= 40 && hmapGrowing(gGrowingMap)) {
			break
		}
	}

	gInterfaces = []interface{}{
		42, "str", 2.5, true, &Point{5, 6}, Point{7, 8}, []string{"x", "y"}, map[string]int{"k": 1},
		MyInt(9), [2]int{1, 2}, Wrapper{&Point{9, 9}}, errors.New("inner"), 3 * time.Second, uint8(200), nil,
	}

	ctx, cancel := context.WithCancel(context.Background())
	gCancel = cancel
	ctx = context.WithValue(ctx, ctxKey("user"), "ada")
	gCtx = context.WithValue(ctx, ctxKey("request"), 17)

	gChan <- 1
	gChan <- 2
	gChan <- 3
	knownChans[uintptrOf(gChan)] = chanState{items: []interface{}{1, 2, 3}}
	gClosedChan <- "last"
	close(gClosedChan)
	knownChans[uintptrOf(gClosedChan)] = chanState{closed: true, items: []interface{}{"last"}}
	knownChans[uintptrOf(gUnbuffered)] = chanState{items: []interface{}{}}

	gClosure = func() int { counter++; return counter }
	gMethodValue = Square{3}.Area
}

// hmapGrowing reports whether a map of Go up to 1.23 has old buckets (runtime.hmap: count, flags, B, noverflow,
// hash0, buckets, oldbuckets); false from 1.24, whose maps are not hmaps.
func hmapGrowing(m map[int32]int32) bool {
	var minor int
	if _, err := fmt.Sscanf(runtime.Version(), "go1.%d", &minor); err != nil || minor >= 24 {
		return false
	}
	type hmap struct {
		count      int
		flags      uint8
		B          uint8
		noverflow  uint16
		hash0      uint32
		buckets    unsafe.Pointer
		oldbuckets unsafe.Pointer
	}
	return (*(**hmap)(unsafe.Pointer(&m))).oldbuckets != nil
}

func uintptrOf(ch interface{}) uintptr {
	return (*[2]uintptr)(unsafe.Pointer(&ch))[1]
}

var (
	block   = make(chan struct{})
	parked  sync.WaitGroup
	framesM = map[string]map[string]interface{}{}
)

// expectFrame records the JSON of a hold function's parameters, encoded from the caller's copies (taking the
// callee's addresses would move them to the heap).
func expectFrame(fn string, params map[string]interface{}) {
	m := map[string]interface{}{}
	for name, ptr := range params {
		m[name] = encodeValue(ptr)
	}
	framesM[fn] = m
}

//go:noinline
func holdScalars(b bool, i int, i8 int8, u64 uint64, f32 float32, f64 float64, c complex128, s string, d time.Duration) {
	parked.Done()
	<-block
	runtime.KeepAlive(b)
	runtime.KeepAlive(i)
	runtime.KeepAlive(i8)
	runtime.KeepAlive(u64)
	runtime.KeepAlive(f32)
	runtime.KeepAlive(f64)
	runtime.KeepAlive(c)
	runtime.KeepAlive(s)
	runtime.KeepAlive(d)
}

//go:noinline
func holdComposite(xs []int, arr [3]int, p Point, pp *Point, outer *Outer, cycle *Node, generic Pair[string, int]) {
	parked.Done()
	<-block
	runtime.KeepAlive(xs)
	runtime.KeepAlive(arr)
	runtime.KeepAlive(p)
	runtime.KeepAlive(pp)
	runtime.KeepAlive(outer)
	runtime.KeepAlive(cycle)
	runtime.KeepAlive(generic)
}

//go:noinline
func holdMaps(m map[string]int, keys map[Point]string, huge map[string]int) {
	parked.Done()
	<-block
	runtime.KeepAlive(m)
	runtime.KeepAlive(keys)
	runtime.KeepAlive(huge)
}

//go:noinline
func holdInterfaces(a interface{}, shape Shape, err error, ctx context.Context) {
	parked.Done()
	<-block
	runtime.KeepAlive(a)
	runtime.KeepAlive(shape)
	runtime.KeepAlive(err)
	runtime.KeepAlive(ctx)
}

//go:noinline
func holdTimeChanFunc(t time.Time, ch chan int, fn func(string) string) {
	parked.Done()
	<-block
	runtime.KeepAlive(t)
	runtime.KeepAlive(ch)
	runtime.KeepAlive(fn)
}

func startHolders() {
	var (
		b        = true
		i        = -7
		i8  int8 = 8
		u64      = uint64(math.MaxUint64)
		f32      = float32(0.25)
		f64      = -1e300
		c        = complex(3, -4)
		s        = "parked"
		d        = 90 * time.Second
	)
	expectFrame("main.holdScalars", map[string]interface{}{"b": &b, "i": &i, "i8": &i8, "u64": &u64, "f32": &f32, "f64": &f64, "c": &c, "s": &s, "d": &d})

	xs, arr, p, pp, outer, cycle, generic := gSlice, gIntArray, Point{5, 6}, gPointer, &gStruct, gCycle, gGeneric
	expectFrame("main.holdComposite", map[string]interface{}{"xs": &xs, "arr": &arr, "p": &p, "pp": &pp, "outer": &outer, "cycle": &cycle, "generic": &generic})

	m, keys := gMap, gStructKeys
	expectFrame("main.holdMaps", map[string]interface{}{"m": &m, "keys": &keys})

	var a interface{} = Point{1, 1}
	shape, err, ctx := gShapePtr, gWrapped, gCtx
	expectFrame("main.holdInterfaces", map[string]interface{}{"a": &a, "shape": &shape, "err": &err, "ctx": &ctx})

	t, ch, fn := gTime, gChan, gFunc
	expectFrame("main.holdTimeChanFunc", map[string]interface{}{"t": &t, "ch": &ch, "fn": &fn})

	parked.Add(5)
	go holdScalars(b, i, i8, u64, f32, f64, c, s, d)
	go holdComposite(xs, arr, p, pp, outer, cycle, generic)
	go holdMaps(m, keys, gHugeMap)
	go holdInterfaces(a, shape, err, ctx)
	go holdTimeChanFunc(t, ch, fn)
	parked.Wait()
}

var areas float64

func main() {
	setup()
	// Calling Area through the interface keeps the methods, and so the DWARF of their receiver types.
	for _, s := range []Shape{gShape, gShapePtr} {
		areas += s.Area()
	}
	startHolders()

	expected := map[string]interface{}{}
	for _, g := range globals {
		if skipped[g.name] {
			expected[g.name] = "$skip"
			continue
		}
		expected[g.name] = encodeAt(g.ptr)
	}
	out, err := json.Marshal(map[string]interface{}{"globals": expected, "frames": framesM})
	if err != nil {
		panic(err)
	}
	fmt.Printf("expect %s\n", out)
	fmt.Printf("ready pid=%d\n", os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	close(block)
}
